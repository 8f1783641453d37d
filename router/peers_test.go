package router_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// fataler is what callPeer needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// callPeer calls ref directly on n (a local peer: the outcome is known before Call
// returns) and returns the answer, or the error's text.
func callPeer(t fataler, n *router.Node, ref router.PeerRef) string {
	t.Helper()
	got := "no outcome"
	if _, err := n.Call(router.ToPeer(ref), []byte("ev"), router.Infinity, func(res router.Result) {
		switch {
		case errors.Is(res.Err, router.ErrUnreachable):
			got = "unreachable"
		case res.Err != nil:
			got = res.Err.Error()
		default:
			got = string(res.Value)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// answering is a peer that replies label to every event.
func answering(label string) router.Peer {
	return router.PeerFunc(func(r *router.Request) { r.Reply([]byte(label)) })
}

// TestPeerRegistry checks that AddPeer and RemovePeer change exactly the peer they
// name: several peers of one ensemble, and one of the same name in another, live on
// one node side by side; adding again replaces; removing leaves the others.
func TestPeerRegistry(t *testing.T) {
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: benchClock{}, Transport: benchTransport{&benchNet{}}, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	a := router.PeerRef{Ensemble: "e1", Name: "a", Node: "n1"}
	b := router.PeerRef{Ensemble: "e1", Name: "b", Node: "n1"}
	c := router.PeerRef{Ensemble: "e1", Name: "c", Node: "n1"}
	a2 := router.PeerRef{Ensemble: "e2", Name: "a", Node: "n1"}
	add := func(ref router.PeerRef, label string) {
		t.Helper()
		if err := n.AddPeer(ref, answering(label)); err != nil {
			t.Fatal(err)
		}
	}
	want := func(step string, ref router.PeerRef, answer string) {
		t.Helper()
		if got := callPeer(t, n, ref); got != answer {
			t.Errorf("%s: call to %s answered %q, want %q", step, ref, got, answer)
		}
	}
	add(a, "a1")
	add(b, "b1")
	add(c, "c1")
	add(a2, "e2-a")
	want("added", a, "a1")
	want("added", b, "b1")
	want("added", c, "c1")
	want("added", a2, "e2-a")

	add(a, "a2")
	want("replaced", a, "a2")
	want("replaced", b, "b1")

	n.RemovePeer(b)
	want("b removed", b, "unreachable")
	want("b removed", a, "a2")
	want("b removed", c, "c1")
	want("b removed", a2, "e2-a")

	n.RemovePeer(router.PeerRef{Ensemble: "e3", Name: "a", Node: "n1"}) // unknown: nothing changes
	n.RemovePeer(a)
	n.RemovePeer(c)
	want("e1 emptied", a, "unreachable")
	want("e1 emptied", c, "unreachable")
	want("e1 emptied", a2, "e2-a")

	// A nil peer, typed or not, is refused, and the registry keeps what it had.
	for _, p := range []router.Peer{nil, router.PeerFunc(nil)} {
		if err := n.AddPeer(a2, p); !errors.Is(err, router.ErrBadConfig) {
			t.Errorf("AddPeer(%#v): %v, want ErrBadConfig", p, err)
		}
	}
	want("nil peers refused", a2, "e2-a")

	add(b, "b2")
	want("b added again", b, "b2")
	want("b added again", a, "unreachable")
	add(a, "a3")
	want("a added again", a, "a3")
	want("a added again", b, "b2")
}

// TestStaleRequestStaysItsOwn checks the ownership rule that keeps Requests from being
// reused: a peer may keep a Request after answering it and answer again much later,
// after the node has handed out many more Requests; that answer must be ignored and
// counted, exactly as an immediate second answer, and must reach no other call. The
// kept Request still describes its own call.
func TestStaleRequestStaysItsOwn(t *testing.T) {
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: benchClock{}, Transport: benchTransport{&benchNet{}}, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	ref := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	var kept []*router.Request
	if err := n.AddPeer(ref, router.PeerFunc(func(r *router.Request) {
		kept = append(kept, r)
		r.Reply(r.Event())
	})); err != nil {
		t.Fatal(err)
	}
	answers := map[router.CallID][]string{}
	var ids []router.CallID
	const calls = 200 // many batches of Requests
	for i := range calls {
		id, err := n.Call(router.ToPeer(ref), []byte(fmt.Sprintf("ev%d", i)), router.Infinity, func(res router.Result) {
			answers[res.Call] = append(answers[res.Call], string(res.Value))
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(kept) != calls {
		t.Fatalf("peer saw %d requests, want %d", len(kept), calls)
	}
	seen := map[*router.Request]bool{}
	for i, r := range kept {
		if seen[r] {
			t.Fatalf("request %d (%s) was handed out before", i, r.Call())
		}
		seen[r] = true
		if r.Call() != ids[i] || string(r.Event()) != fmt.Sprintf("ev%d", i) {
			t.Errorf("kept request %d describes call %s event %q, want %s ev%d", i, r.Call(), r.Event(), ids[i], i)
		}
	}
	// Every kept Request answers again, oldest first, and then nacks.
	for _, r := range kept {
		r.Reply([]byte("again"))
		r.Nack()
	}
	if got := n.Stats().Twice; got != 2*calls {
		t.Errorf("Stats.Twice = %d, want %d", got, 2*calls)
	}
	for i, id := range ids {
		if got := answers[id]; len(got) != 1 || got[0] != fmt.Sprintf("ev%d", i) {
			t.Errorf("call %s got answers %q, want only ev%d", id, got, i)
		}
	}
}

// TestPeerLookupMatchesModel checks which peer a call to a local peer reaches against a
// plain map, through random AddPeer, RemovePeer and calls. Ensembles f1 and g2 share
// their places among the node's routes with e1 and e2 (TestRoutesMatchModel checks the
// routes themselves).
func TestPeerLookupMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: benchClock{}, Transport: benchTransport{&benchNet{}}, Rand: rand.New(rand.NewPCG(1, 2))})
		if err != nil {
			t.Fatal(err)
		}
		ens := rapid.SampledFrom([]router.EnsembleID{"e1", "e2", "f1", "g2"})
		name := rapid.SampledFrom([]string{"a", "b"})
		model := map[router.PeerRef]string{}
		for i := range rapid.IntRange(1, 60).Draw(t, "steps") {
			ref := router.PeerRef{Ensemble: ens.Draw(t, "ens"), Name: name.Draw(t, "name"), Node: "n1"}
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				label := fmt.Sprintf("%s-%d", ref, i)
				if err := n.AddPeer(ref, answering(label)); err != nil {
					t.Fatal(err)
				}
				model[ref] = label
			case 1:
				n.RemovePeer(ref)
				delete(model, ref)
			default:
				want, ok := model[ref]
				if !ok {
					want = "unreachable"
				}
				if got := callPeer(t, n, ref); got != want {
					t.Fatalf("step %d: call to %s answered %q, want %q", i, ref, got, want)
				}
			}
		}
	})
}

// TestRemovePeerWhileDoneAnswers: under riak, RemovePeer times out the removed peer's
// workers one by one, and each timeout ends its call in place; that call's done runs
// on the node's turn and may retire a worker RemovePeer has yet to reach (here by
// removing the peer again, re-entrantly; an answer of the dead peer's is ignored).
// That worker has answered: it is skipped, and every call ends once.
func TestRemovePeerWhileDoneAnswers(t *testing.T) {
	n, ref := riakNode1(t)
	var held []*router.Request
	if err := n.AddPeer(ref, router.PeerFunc(func(r *router.Request) { held = append(held, r) })); err != nil {
		t.Fatal(err)
	}
	outcomes := map[string][]string{}
	record := func(name string) func(router.Result) {
		return func(res router.Result) {
			got := string(res.Value)
			if res.Err != nil {
				got = res.Err.Error()
			}
			outcomes[name] = append(outcomes[name], got)
			if name == "a" {
				held[1].Reply([]byte("b done")) // the application answers b on a's failure: a dead peer's answer
				if err := n.AddPeer(ref, router.PeerFunc(func(*router.Request) {})); err != nil {
					t.Error(err)
				}
				n.RemovePeer(ref) // ends b's worker, which the outer RemovePeer has yet to reach
			}
		}
	}
	for _, name := range []string{"a", "b"} {
		if _, err := n.Call(router.ToEnsemble("e1"), []byte(name), time.Second, record(name)); err != nil {
			t.Fatal(err)
		}
	}
	if len(held) != 2 || n.Workers() != 2 {
		t.Fatalf("the peer holds %d requests and the node has %d workers, want 2 and 2", len(held), n.Workers())
	}
	n.RemovePeer(ref)
	want := map[string][]string{"a": {router.ErrTimeout.Error()}, "b": {router.ErrTimeout.Error()}}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if w := n.Workers(); w != 0 {
		t.Errorf("%d workers left", w)
	}
}

// TestRemovePeerAnswersInOrder: RemovePeer answers the riak workers of the removed peer
// in the order their calls started (timeout, each), not in the order of the node's map
// of workers, which differs from run to run.
func TestRemovePeerAnswersInOrder(t *testing.T) {
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: router.Riak, Clock: benchClock{}, Transport: benchTransport{&benchNet{}}, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	ref := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	n.Learn(router.Entry{Ensemble: "e1", Leader: ref, Version: 1})
	if err := n.AddPeer(ref, router.PeerFunc(func(*router.Request) {})); err != nil { // holds every request
		t.Fatal(err)
	}
	var order, want []int
	for i := range 32 {
		want = append(want, i)
		if _, err := n.Call(router.ToEnsemble("e1"), []byte("x"), time.Second, func(res router.Result) {
			if errors.Is(res.Err, router.ErrTimeout) {
				order = append(order, i)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	n.RemovePeer(ref)
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("the calls timed out in another order than they started (-want +got):\n%s", diff)
	}
}
