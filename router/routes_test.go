package router_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// labelPeer is a peer that replies its own name to every event; unlike a PeerFunc it
// can be compared.
type labelPeer string

func (p labelPeer) Handle(r *router.Request) { r.Reply([]byte(p)) }

// sentMsg is one message a recording transport was given.
type sentMsg struct {
	to router.NodeID
	m  router.Message
}

// recorder is a transport that keeps what it is given and delivers nothing.
type recorder struct{ out *[]sentMsg }

func (r recorder) Send(to router.NodeID, m *router.Message) error {
	*r.out = append(*r.out, sentMsg{to, *m})
	return nil
}

// routeModel is what node n1's routing should find, kept plainly: the directory as a
// map and the node's peers by their refs.
type routeModel struct {
	dir   map[router.EnsembleID]router.Entry
	peers map[router.PeerRef]labelPeer
	ens   *rapid.Generator[router.EnsembleID]
	name  *rapid.Generator[string]
}

// hostedRef draws a peer of n1 to add or remove: most often the leader of an ensemble,
// when the model's directory puts it on n1, so that routes to it see the change.
func (m *routeModel) hostedRef(t *rapid.T) router.PeerRef {
	e := m.ens.Draw(t, "ens")
	if cur := m.dir[e]; cur.Leader.Node == "n1" && rapid.IntRange(0, 3).Draw(t, "other") > 0 {
		return cur.Leader
	}
	return router.PeerRef{Ensemble: e, Name: m.name.Draw(t, "name"), Node: "n1"}
}

func (m *routeModel) learn(e router.Entry) bool {
	if cur, ok := m.dir[e.Ensemble]; ok && cur.Version >= e.Version {
		return false
	}
	m.dir[e.Ensemble] = e
	return true
}

// route is the route to ens that a fresh lookup gives.
func (m *routeModel) route(ens router.EnsembleID) router.RouteView {
	e, ok := m.dir[ens]
	v := router.RouteView{Entry: e, HasEntry: ok, To: "none"}
	switch {
	case !ok || e.Leader.IsZero():
	case e.Leader.Node == "n1":
		v.To = "here"
		if p, ok := m.peers[e.Leader]; ok {
			v.Peer = p
		}
	default:
		v.To = "there"
	}
	return v
}

// outcome is what a request for ens routed at n1 comes to: a peer's answer, a failure,
// or a pass to the leader's node.
func (m *routeModel) outcome(ens router.EnsembleID) string {
	switch v := m.route(ens); {
	case v.To == "none":
		return "no-leader"
	case v.To == "there":
		return "route:" + string(v.Entry.Leader.Node)
	case v.Peer == nil:
		return "not-leader"
	default:
		return "peer:" + string(v.Peer.(labelPeer))
	}
}

// sentOutcome is outcome's reading of the last message n1 sent, if it sent one.
func sentOutcome(out []sentMsg) string {
	if len(out) == 0 {
		return "nothing sent"
	}
	s := out[len(out)-1]
	switch {
	case s.m.Kind == router.KindRoute || s.m.Kind == router.KindCast:
		return "route:" + string(s.to)
	case s.m.Kind == router.KindReply && s.m.Code == router.CodeOK:
		return "peer:" + string(s.m.Result)
	case s.m.Kind == router.KindReply && s.m.Code == router.CodeNoLeader:
		return "no-leader"
	case s.m.Kind == router.KindReply && s.m.Code == router.CodeNotLeader:
		return "not-leader"
	}
	return "sent " + s.m.Kind.String() + " " + s.m.Code.String() + " to " + string(s.to)
}

// resultOutcome is outcome's reading of a call's result.
func resultOutcome(res router.Result) string {
	switch {
	case res.Err == nil:
		return "peer:" + string(res.Value)
	case errors.Is(res.Err, router.ErrNoLeader):
		return "no-leader"
	case errors.Is(res.Err, router.ErrNotLeader):
		return "not-leader"
	}
	return res.Err.Error()
}

// castOutcome is outcome for a cast, which gets no answer: a route to the leader's
// node, a peer here that handled it, or a drop (no leader, or no peer here).
func (m *routeModel) castOutcome(ens router.EnsembleID) string {
	switch o := m.outcome(ens); {
	case strings.HasPrefix(o, "route:"):
		return o
	case strings.HasPrefix(o, "peer:"):
		return "handled"
	}
	return "dropped"
}

// TestRoutesMatchModel checks what node n1 remembers of its routes (Node.route) against
// a fresh lookup in a plain model, through random sequences of Learn, gossip, direct
// directory updates, AddPeer, RemovePeer, calls (some through this node itself), calls
// nacked and redirected, casts and requests routed from another node:
// a route must never outlive a change to the entry, its leader or its peer. e1 and f1,
// e2 and g2 share their places among the routes; leaders live on n1 (here), on n2, or
// on m1, whose name differs from n1's in its first byte only.
func TestRoutesMatchModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ens := rapid.SampledFrom([]router.EnsembleID{"e1", "f1", "e2", "g2"})
		name := rapid.SampledFrom([]string{"a", "b"})
		genEntry := rapid.Custom(func(t *rapid.T) router.Entry {
			e := ens.Draw(t, "ensemble")
			var leader router.PeerRef
			if rapid.IntRange(0, 4).Draw(t, "leaderless") > 0 {
				node := rapid.SampledFrom([]router.NodeID{"n1", "n1", "n2", "m1"}).Draw(t, "node")
				leader = router.PeerRef{Ensemble: e, Name: name.Draw(t, "name"), Node: node}
			}
			// A copy of the name, as a message or a gossip brings one.
			return router.Entry{Ensemble: router.EnsembleID(strings.Clone(string(e))), Leader: leader, Version: rapid.Uint64Range(0, 6).Draw(t, "version")}
		})
		model := &routeModel{dir: map[router.EnsembleID]router.Entry{}, peers: map[router.PeerRef]labelPeer{}, ens: ens, name: name}
		start := rapid.SliceOfN(genEntry, 0, 4).Draw(t, "start")
		for _, e := range start {
			model.learn(e)
		}
		dir := router.NewDirectory(start)
		if rapid.Bool().Draw(t, "on snapshot") {
			dir = router.NewDirectoryOn(router.NewSnapshot(start))
		}
		var out []sentMsg
		n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: benchClock{}, Transport: recorder{&out}, Rand: rand.New(rand.NewPCG(1, 2)), Directory: dir})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range start { // peers for some of the leaders here, from the start
			if e.Leader.Node == "n1" && rapid.Bool().Draw(t, "hosted") {
				p := labelPeer("w")
				if err := n.AddPeer(e.Leader, p); err != nil {
					t.Fatal(err)
				}
				model.peers[e.Leader] = p
			}
		}
		for i := range rapid.IntRange(1, 50).Draw(t, "steps") {
			switch op := rapid.IntRange(0, 8).Draw(t, "op"); op {
			case 0:
				e := genEntry.Draw(t, "learn")
				if got, want := n.Learn(e), model.learn(e); got != want {
					t.Fatalf("step %d: Learn(%s) = %v, want %v", i, e, got, want)
				}
			case 1:
				es := rapid.SliceOfN(genEntry, 1, 3).Draw(t, "gossip")
				for _, e := range es {
					model.learn(e)
				}
				n.Deliver(&router.Message{Kind: router.KindGossip, From: "n2", Entries: es}, 0)
			case 2:
				e := genEntry.Draw(t, "update")
				if got, want := n.Directory().Update(e), model.learn(e); got != want {
					t.Fatalf("step %d: Directory().Update(%s) = %v, want %v", i, e, got, want)
				}
			case 3:
				ref := model.hostedRef(t)
				p := labelPeer(rapid.SampledFrom([]string{"x", "y", "z"}).Draw(t, "label"))
				if err := n.AddPeer(ref, p); err != nil {
					t.Fatal(err)
				}
				model.peers[ref] = p
			case 4:
				ref := model.hostedRef(t)
				n.RemovePeer(ref)
				delete(model.peers, ref)
			case 5:
				e := ens.Draw(t, "call")
				out = out[:0]
				got := "no outcome"
				// Through this node itself, named by a copy, half the time: the same route.
				target := router.ToEnsemble(e)
				if rapid.Bool().Draw(t, "via self") {
					target = target.Through(router.NodeID(strings.Clone("n1")))
				}
				if _, err := n.Call(target, []byte("ev"), time.Second, func(res router.Result) { got = resultOutcome(res) }); err != nil {
					t.Fatal(err)
				}
				if got == "no outcome" {
					got = sentOutcome(out)
				}
				if want := model.outcome(e); got != want {
					t.Fatalf("step %d: a call to %s came to %q, want %q", i, e, got, want)
				}
			case 6:
				// A call sent to the leader's node is nacked there after this node may
				// have learned more: it is redirected, along a fresh route, only to a
				// newer leader other than the one that refused.
				e := ens.Draw(t, "nacked")
				started := model.route(e)
				if started.To != "there" { // make it so
					l := router.Entry{Ensemble: e, Leader: router.PeerRef{Ensemble: e, Name: "a", Node: "n2"}, Version: started.Entry.Version + 1}
					if !n.Learn(l) || !model.learn(l) {
						t.Fatalf("step %d: Learn(%s) refused", i, l)
					}
					started = model.route(e)
				}
				out = out[:0]
				got := "no outcome"
				id, err := n.Call(router.ToEnsemble(e), []byte("ev"), time.Second, func(res router.Result) { got = resultOutcome(res) })
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range rapid.SliceOfN(genEntry, 0, 3).Draw(t, "meanwhile") {
					if got, want := n.Learn(l), model.learn(l); got != want {
						t.Fatalf("step %d: Learn(%s) = %v, want %v", i, l, got, want)
					}
				}
				want := "not-leader" // the nack's own outcome
				if now := model.dir[e]; now.Version > started.Entry.Version && !now.Leader.IsZero() && now.Leader != started.Entry.Leader {
					want = model.outcome(e)
				}
				out = out[:0]
				n.Deliver(&router.Message{Kind: router.KindReply, From: started.Entry.Leader.Node, Call: id, Code: router.CodeNack, Peer: started.Entry.Leader, Hops: 1}, 0)
				if got == "no outcome" {
					got = sentOutcome(out)
				}
				if got != want {
					t.Fatalf("step %d: a call to %s nacked by %s came to %q, want %q", i, e, started.Entry.Leader, got, want)
				}
			case 7:
				e := ens.Draw(t, "cast")
				out = out[:0]
				drops := n.Stats().CastDrop
				if err := n.Cast(router.ToEnsemble(e), []byte("ev")); err != nil {
					t.Fatal(err)
				}
				got := "handled"
				switch {
				case len(out) > 0:
					got = sentOutcome(out)
				case n.Stats().CastDrop > drops:
					got = "dropped"
				}
				if want := model.castOutcome(e); got != want {
					t.Fatalf("step %d: a cast to %s came to %q, want %q", i, e, got, want)
				}
			default:
				e := ens.Draw(t, "routed")
				out = out[:0]
				n.Deliver(&router.Message{
					Kind: router.KindRoute, From: "n2", Call: router.CallID{Node: "n2", Incarnation: 1, Seq: uint64(i + 1)},
					Ensemble: router.EnsembleID(strings.Clone(string(e))), Event: []byte("ev"), Budget: time.Second, Hops: 1,
				}, 0)
				if got, want := sentOutcome(out), model.outcome(e); got != want {
					t.Fatalf("step %d: a request for %s routed from n2 came to %q, want %q", i, e, got, want)
				}
			}
			for _, e := range []router.EnsembleID{"e1", "f1", "e2", "g2"} {
				if got, ok := router.RememberedRoute(n, e); ok {
					if diff := cmp.Diff(model.route(e), got); diff != "" {
						t.Fatalf("step %d: the remembered route to %s differs from a fresh lookup (-fresh +remembered):\n%s", i, e, diff)
					}
				}
			}
			for _, e := range rapid.SliceOfN(ens, 0, 3).Draw(t, "check") {
				if diff := cmp.Diff(model.route(e), router.Route(n, e)); diff != "" {
					t.Fatalf("step %d: route to %s differs from a fresh lookup (-fresh +remembered):\n%s", i, e, diff)
				}
			}
		}
	})
}

// TestCastThroughItself: a cast through the caller's own node is routed there, as a
// call through it is: no send to itself, no hop.
func TestCastThroughItself(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	tr := &recTransport{}
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: &handClock{}, Transport: tr, Rand: zeroRand{},
		Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) { served++; r.Reply(nil) })); err != nil {
		t.Fatal(err)
	}
	if err := n.Cast(router.ToEnsemble("e1").Through("n1"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if served != 1 || len(tr.out) != 0 {
		t.Fatalf("served %d, sent %+v; want the leader here served, nothing sent", served, tr.out)
	}
}
