package router_test

import (
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/routertest"
)

var allKinds = []router.Kind{router.KindRoute, router.KindCast, router.KindPeer, router.KindReply, router.KindGossip}

// TestCheckMessage shows CheckMessage catches a field a kind does not use, and the
// promises it checks beyond that.
func TestCheckMessage(t *testing.T) {
	for _, k := range allKinds {
		m := router.Message{Kind: k}
		routertest.Scribble(&m)
		if err := routertest.CheckMessage(&m); err != nil {
			t.Errorf("scribbled %s message: %v", k, err)
		}
	}
	bad := []router.Message{
		{Kind: router.KindGossip, Hops: 1},
		{Kind: router.KindRoute, Peer: router.PeerRef{Name: "p"}},
		{Kind: router.KindReply, Entries: []router.Entry{{}}},
		{Kind: router.KindReply, Code: router.CodeNack, Result: []byte("x")},
		{Kind: router.KindPeer, Ensemble: "e2", Peer: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n"}},
		{Kind: 0},
	}
	for _, m := range bad {
		if err := routertest.CheckMessage(&m); err == nil {
			t.Errorf("CheckMessage(%+v) = nil, want an error", m)
		}
	}
}
