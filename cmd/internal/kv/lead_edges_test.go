package kv

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestLeadTakenAnswer: a peer that takes the lead answers "ok " and the entry the
// node now holds, which LeadTaken reads as taken; the refusal ("error: not leading:
// the node took a newer entry meanwhile, ...", whose "took " holds "ok ") and any
// other answer are not taken.
func TestLeadTakenAnswer(t *testing.T) {
	n := leader(t, nil)
	other := router.PeerRef{Ensemble: "e1", Name: "n2", Node: "n2"}
	me := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	n.Learn(router.Entry{Ensemble: "e1", Leader: other, Version: 2})
	res, err := n.CallTimeout(context.Background(), router.ToPeer(me), []byte("lead"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := n.Lookup("e1")
	if cur.Leader != me {
		t.Fatalf("after lead the node's entry is %v, want %v leading", cur, me)
	}
	if diff := cmp.Diff("ok "+cur.String(), string(res.Value)); diff != "" {
		t.Errorf("lead's answer (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		answer string
		taken  bool
	}{
		{"ok " + cur.String(), true},
		{"error: not leading: the node took a newer entry meanwhile, " + cur.String(), false},
		{"error: cannot parse \"lead x\"", false},
		{"book e1", false},
		{"", false},
	} {
		if got := LeadTaken([]byte(tc.answer)); got != tc.taken {
			t.Errorf("LeadTaken(%q) = %v, want %v", tc.answer, got, tc.taken)
		}
	}
}
