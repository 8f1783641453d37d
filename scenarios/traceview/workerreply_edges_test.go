package traceview

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// TestWorkerReplyDrawnAndWritten: under riak, a leader's answer to the worker that
// called a follower is a message of its own kind (worker-reply) in leader-churn, and
// the views show it as such: the page has an arrow colour and a legend entry for it,
// the text view writes it as a reply (its code, no budget), and the relay that
// follows names it and the reply to the caller by their ids.
func TestWorkerReplyDrawnAndWritten(t *testing.T) {
	spec, ok := scenarios.ForSeed("leader-churn", 1)
	if !ok {
		t.Fatal("no scenario leader-churn")
	}
	tr, _ := analyseSpec(t, spec, router.Riak)
	kinds := map[string]bool{}
	var answer *message
	for _, m := range tr.msgs {
		kinds[m.kind] = true
		if answer == nil && m.kind == workerReply {
			answer = m
		}
	}
	if answer == nil {
		t.Fatal("leader-churn under riak traces no worker-reply")
	}
	arrows := regexp.MustCompile(`const ARROW = \{([^}]*)\}`).FindStringSubmatch(drawJS)
	if arrows == nil {
		t.Fatal("draw.js has no ARROW colours: fix the test")
	}
	for k := range kinds {
		if !strings.Contains(arrows[1], " "+k+":") && !strings.Contains(arrows[1], "'"+k+"':") {
			t.Errorf("messages of kind %s have no arrow colour in draw.js: %s", k, arrows[1])
		}
	}
	if !strings.Contains(uiJS, "ARROW['"+workerReply+"']") {
		t.Errorf("the legend (ui.js) has no entry for a %s", workerReply)
	}
	send := tr.fields(answer.send)
	if !strings.Contains(send, workerReply+" ->") || !strings.Contains(send, "code=") || strings.Contains(send, "budget=") {
		t.Errorf("the text view writes the worker-reply's send as %q: want its kind and code, no budget", send)
	}
	for i := answer.send; i < len(tr.recs); i++ {
		if r := &tr.recs[i]; r.Kind == "relay" && str(r, "call") == answer.call {
			got := tr.fields(i)
			if !strings.Contains(got, "answer=#"+strings.TrimPrefix(strings.Fields(send)[0], "#")) {
				t.Errorf("the relay of %s is written %q: want it to name the answer, %s", answer.call, got, strings.Fields(send)[0])
			}
			return
		}
	}
	t.Errorf("no relay of call %s follows its worker-reply", answer.call)
}
