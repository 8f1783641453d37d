package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestBenchCountsLateReplies: bench reports the replies the client dropped because
// their calls had ended: against a leader that takes 150ms over each request, calls
// of a 40ms timeout all time out, and the answers that come later are counted (and
// said on a line of their own); against a fast leader there are none, and no line.
func TestBenchCountsLateReplies(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	leadSlowly(t, n, "e2", 150*time.Millisecond)
	bench := func(ens string, extra ...string) (benchResult, string) {
		t.Helper()
		args := append([]string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
			"--concurrency", "2", "--duration", "600ms"}, extra...)
		var out, errb bytes.Buffer
		run(context.Background(), append(args, "--json", ens), &out, &errb)
		var r benchResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("bench %s: %v; stdout %q, stderr %q", ens, err, out.String(), errb.String())
		}
		out.Reset()
		run(context.Background(), append(args, ens), &out, &errb)
		return r, out.String()
	}
	slow, text := bench("e2", "--timeout", "40ms")
	if slow.OK != 0 || slow.LateReplies == 0 {
		t.Errorf("a slow leader: %d ok, %d late replies; want 0 ok and late replies counted", slow.OK, slow.LateReplies)
	}
	if !strings.Contains(text, "replies dropped: their calls had ended") {
		t.Errorf("a slow leader: no line of late replies in:\n%s", text)
	}
	fast, text := bench("e1", "--timeout", "5s")
	if fast.OK == 0 || fast.LateReplies != 0 || strings.Contains(text, "replies dropped") {
		t.Errorf("a fast leader: %d ok, %d late replies; want calls ok, none late and no line:\n%s", fast.OK, fast.LateReplies, text)
	}
}
