package router_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/routertest"
)

// fullEvent returns an event of kind k with every field k uses set to a non-zero value.
func fullEvent(t *testing.T, k router.EventKind) router.Event {
	t.Helper()
	peer := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	vals := map[string]any{
		"Call":     router.CallID{Node: "n1", Incarnation: 1, Seq: 7},
		"Target":   router.ToEnsemble("e1"),
		"Msg":      &router.Message{Kind: router.KindReply, From: "n2"},
		"To":       router.NodeID("n2"),
		"Peer":     peer,
		"Entry":    router.Entry{Ensemble: "e1", Leader: peer, Version: 3},
		"Timeout":  time.Second,
		"Budget":   time.Second,
		"Code":     router.CodeNack,
		"Err":      errors.New("boom"),
		"Result":   []byte("r"),
		"Reason":   "completed",
		"Instance": 2,
	}
	ev := router.Event{Kind: k, Node: "n1"}
	v := reflect.ValueOf(&ev).Elem()
	for _, f := range routertest.EventFields(k) {
		x, ok := vals[f]
		if !ok {
			t.Fatalf("no value for field %s", f)
		}
		v.FieldByName(f).Set(reflect.ValueOf(x))
	}
	return ev
}

// TestCheckEvent shows CheckEvent catches a field a kind does not use.
func TestCheckEvent(t *testing.T) {
	ev := fullEvent(t, router.EvSend)
	if err := routertest.CheckEvent(&ev); err != nil {
		t.Fatalf("a well-formed send: %v", err)
	}
	ev.Reason = "stale"
	if err := routertest.CheckEvent(&ev); err == nil {
		t.Fatal("a send with a Reason passed")
	}
	learn := fullEvent(t, router.EvLearn)
	learn.Call = router.CallID{Node: "n1", Seq: 1}
	if err := routertest.CheckEvent(&learn); err == nil {
		t.Fatal("a learn with a Call passed")
	}
}
