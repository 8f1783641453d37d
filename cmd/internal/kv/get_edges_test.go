package kv

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestGetKeyWithSpaceIsRefused: a get whose key would begin with a space (two spaces
// after "get") is no get a peer serves: the fast path declines it and the peer
// answers the parse error, as it does for a key with a space anywhere else, rather
// than "missing" for a key no put can store.
func TestGetKeyWithSpaceIsRefused(t *testing.T) {
	ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	d := &dir{e: router.Entry{Ensemble: "e1", Leader: ref, Version: 1}}
	p := NewPeer(d, ref)
	p.apply([]byte("put k v"), d.e)
	type answer struct {
		FastPath bool
		Answer   string
	}
	for _, tc := range []struct {
		event string
		want  answer
	}{
		{"get k", answer{true, "ok v"}},
		{"get  k", answer{false, `error: cannot parse "get  k" (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`}},
		{"get   ", answer{false, `error: cannot parse "get   " (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`}},
		{"get k ", answer{false, `error: cannot parse "get k " (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`}},
	} {
		got := answer{}
		if v, ok := p.get([]byte(tc.event)); ok {
			got = answer{true, string(v)}
		} else {
			got.Answer = p.apply([]byte(tc.event), d.e)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.event, diff)
		}
	}
}
