package router_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
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

// recordingTracer keeps every event it is given, rendered, and, as an EventFilter
// when only is set, says it traces only the kinds only holds.
type recordingTracer struct {
	only   map[router.EventKind]bool
	events []string
	asked  []router.EventKind // the kinds Traces was asked about, in order
}

func (t *recordingTracer) Trace(ev *router.Event) { t.events = append(t.events, ev.String()) }

type filteringTracer struct{ *recordingTracer }

func (t filteringTracer) Traces(k router.EventKind) bool {
	t.asked = append(t.asked, k)
	return t.only[k]
}

// runTraced runs a few calls, local and remote, and a gossip between two nodes whose
// tracers are made by mk, and returns what each tracer was given, n1's then n2's. It
// fails unless each filtering tracer was asked once about each kind, when its node was
// made.
func runTraced(t *testing.T, sem router.Semantics, mk func() router.Tracer) [][]string {
	t.Helper()
	net := &benchNet{nodes: map[router.NodeID]*router.Node{}}
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	local := router.PeerRef{Ensemble: "e2", Name: "p1", Node: "n1"}
	var tracers []router.Tracer
	for i, id := range []router.NodeID{"n1", "n2"} {
		tr := mk()
		tracers = append(tracers, tr)
		n, err := router.New(router.Config{
			ID: id, Incarnation: 1, Semantics: sem, Routers: 3, Tracer: tr,
			Clock: benchClock{}, Transport: benchTransport{net}, Rand: rand.New(rand.NewPCG(1, uint64(i))),
			Directory: router.NewDirectory([]router.Entry{
				{Ensemble: "e1", Leader: leader, Version: 1},
				{Ensemble: "e2", Leader: local, Version: 1},
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		net.nodes[id] = n
		if f, ok := tr.(filteringTracer); ok {
			var want []router.EventKind
			for k := router.EvCall; k <= router.EvReplyHere; k++ {
				want = append(want, k)
			}
			if !reflect.DeepEqual(f.asked, want) {
				t.Fatalf("%s's tracer was asked about kinds %v, want %v", id, f.asked, want)
			}
		}
	}
	answer := []byte("ok")
	for _, p := range []router.PeerRef{leader, local} {
		if err := net.nodes[p.Node].AddPeer(p, router.PeerFunc(func(r *router.Request) { r.Reply(answer) })); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		for _, target := range []router.Target{router.ToEnsemble("e1"), router.ToEnsemble("e2")} {
			if _, err := net.nodes["n1"].Call(target, []byte{byte('a' + i)}, time.Second, func(router.Result) {}); err != nil {
				t.Fatal(err)
			}
			net.drain()
		}
	}
	newer := router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Version: 2}
	if err := net.nodes["n2"].Gossip("n1", []router.Entry{newer}); err != nil {
		t.Fatal(err)
	}
	net.drain()
	var got [][]string
	for _, tr := range tracers {
		switch tr := tr.(type) {
		case *recordingTracer:
			got = append(got, tr.events)
		case filteringTracer:
			got = append(got, tr.events)
		}
	}
	return got
}

// TestEventFilter shows that a node gives a tracer that is an EventFilter the events
// of the kinds it chose, exactly those a tracer given every event sees of them, in
// the same order, and asks nothing else of it.
func TestEventFilter(t *testing.T) {
	kinds := []router.EventKind{router.EvCall, router.EvSend, router.EvDeliver, router.EvComplete, router.EvLearn}
	sets := []map[router.EventKind]bool{
		{}, // none
		{router.EvCall: true, router.EvDeliver: true, router.EvComplete: true, router.EvLearn: true}, // all but sends, as scenarios'
		{router.EvSend: true},
		{router.EvCall: true, router.EvLearn: true},
		{router.EvCall: true, router.EvSend: true, router.EvSendFail: true, router.EvDeliver: true, router.EvForward: true,
			router.EvComplete: true, router.EvLate: true, router.EvDrop: true, router.EvRedirect: true, router.EvWorker: true,
			router.EvLearn: true, router.EvIgnored: true, router.EvReplyHere: true}, // every kind
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		all := runTraced(t, sem, func() router.Tracer { return &recordingTracer{} })
		seen := map[router.EventKind]bool{}
		for _, evs := range all {
			for _, s := range evs {
				seen[kindOf(s)] = true
			}
		}
		for _, k := range kinds {
			if !seen[k] {
				t.Fatalf("%v: the run traces no %s event", sem, k)
			}
		}
		for _, only := range sets {
			got := runTraced(t, sem, func() router.Tracer { return filteringTracer{&recordingTracer{only: only}} })
			for i := range all {
				var want []string
				for _, s := range all[i] {
					if only[kindOf(s)] {
						want = append(want, s)
					}
				}
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("%v, tracing %v, node %d:\ngot  %q\nwant %q", sem, only, i+1, got[i], want)
				}
			}
		}
	}
}

// kindOf returns the kind of an event rendered by Event.String ("n1: call ...").
func kindOf(s string) router.EventKind {
	name, _, _ := strings.Cut(s[strings.Index(s, ": ")+2:], " ")
	for k := router.EvCall; k <= router.EvReplyHere; k++ {
		if k.String() == name {
			return k
		}
	}
	return 0
}

// kindsTracer records the kind and code of each event.
type kindsTracer struct{ got []string }

func (k *kindsTracer) Trace(ev *router.Event) {
	k.got = append(k.got, ev.Kind.String()+" "+ev.Code.String())
}

// TestReplyHereTold: every reply to one of the node's own calls that a peer of the
// node makes, handled in place without the transport, is told once (EvReplyHere,
// with its code) before the completion it makes: the checker's hold on such replies
// (late-discarded) sees them only so, an ok as well as a refusal.
func TestReplyHereTold(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	for _, tc := range []struct {
		name  string
		serve func(*router.Request)
		code  router.Code
		ended string // the completion's code
	}{
		{name: "ok", serve: func(r *router.Request) { r.Reply([]byte("v")) }, code: router.CodeOK, ended: "ok"},
		{name: "nack", serve: func(r *router.Request) { r.Nack() }, code: router.CodeNack, ended: "not-leader"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &kindsTracer{}
			n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: &handClock{}, Transport: &recTransport{}, Rand: zeroRand{}, Tracer: tr,
				Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.AddPeer(leader, router.PeerFunc(tc.serve)); err != nil {
				t.Fatal(err)
			}
			if _, err := n.Call(router.ToEnsemble("e1"), []byte("get"), time.Second, func(router.Result) {}); err != nil {
				t.Fatal(err)
			}
			here := "reply-here " + tc.code.String()
			i := slices.Index(tr.got, here)
			if i < 0 || slices.Index(tr.got[i+1:], here) >= 0 || !slices.Contains(tr.got[i+1:], "complete "+tc.ended) {
				t.Fatalf("events %q; want one %q, then the completion", tr.got, here)
			}
		})
	}
}
