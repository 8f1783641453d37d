package netmodel_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestMatch: each field of a Match narrows the selection; zero fields match anything.
func TestMatch(t *testing.T) {
	call := router.CallID{Node: "a", Incarnation: 1, Seq: 7}
	m := router.Message{Kind: router.KindRoute, Ensemble: "e1", Call: call}
	cases := []struct {
		name     string
		match    netmodel.Match
		from, to router.NodeID
		want     bool
	}{
		{name: "zero matches all", match: netmodel.Match{}, from: "a", to: "b", want: true},
		{name: "kind", match: netmodel.Match{Kind: router.KindRoute}, from: "a", to: "b", want: true},
		{name: "other kind", match: netmodel.Match{Kind: router.KindReply}, from: "a", to: "b"},
		{name: "ensemble", match: netmodel.Match{Ensemble: "e1"}, from: "a", to: "b", want: true},
		{name: "other ensemble", match: netmodel.Match{Ensemble: "e2"}, from: "a", to: "b"},
		{name: "call", match: netmodel.Match{Call: call}, from: "a", to: "b", want: true},
		{name: "other call", match: netmodel.Match{Call: router.CallID{Node: "a", Incarnation: 2, Seq: 7}}, from: "a", to: "b"},
		{name: "from", match: netmodel.Match{From: "a"}, from: "a", to: "b", want: true},
		{name: "other from", match: netmodel.Match{From: "b"}, from: "a", to: "b"},
		{name: "to", match: netmodel.Match{To: "b"}, from: "a", to: "b", want: true},
		{name: "other to", match: netmodel.Match{To: "a"}, from: "a", to: "b"},
		{name: "all fields", match: netmodel.Match{Kind: router.KindRoute, Ensemble: "e1", Call: call, From: "a", To: "b"}, from: "a", to: "b", want: true},
		{name: "all but one", match: netmodel.Match{Kind: router.KindRoute, Ensemble: "e1", Call: call, From: "a", To: "c"}, from: "a", to: "b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.match.Matches(tc.from, tc.to, m); got != tc.want {
				t.Errorf("%+v.Matches(%s, %s, %s) = %v, want %v", tc.match, tc.from, tc.to, m, got, tc.want)
			}
		})
	}
}

// TestMatchEnsembleOfReply: a reply carries no Message.Ensemble; its ensemble is that
// of the peer that produced it, so a rule on an ensemble takes the replies of its
// calls as well as the requests. A reply no peer produced is of no ensemble, and so is
// gossip.
func TestMatchEnsembleOfReply(t *testing.T) {
	by := func(e router.EnsembleID) router.PeerRef { return router.PeerRef{Ensemble: e, Name: "p1", Node: "b"} }
	cases := []struct {
		name  string
		match netmodel.Match
		m     router.Message
		want  bool
	}{
		{name: "reply by a peer of the ensemble", match: netmodel.Match{Ensemble: "e1"}, m: router.Message{Kind: router.KindReply, Peer: by("e1")}, want: true},
		{name: "reply kind and ensemble", match: netmodel.Match{Kind: router.KindReply, Ensemble: "e1"}, m: router.Message{Kind: router.KindReply, Peer: by("e1")}, want: true},
		{name: "reply by a peer of another ensemble", match: netmodel.Match{Ensemble: "e1"}, m: router.Message{Kind: router.KindReply, Peer: by("e2")}},
		{name: "reply by no peer", match: netmodel.Match{Ensemble: "e1"}, m: router.Message{Kind: router.KindReply}},
		{name: "peer message", match: netmodel.Match{Ensemble: "e1"}, m: router.Message{Kind: router.KindPeer, Ensemble: "e1", Peer: by("e1")}, want: true},
		{name: "cast", match: netmodel.Match{Ensemble: "e1"}, m: router.Message{Kind: router.KindCast, Ensemble: "e1"}, want: true},
		{name: "gossip", match: netmodel.Match{Ensemble: "e1"}, m: router.Message{Kind: router.KindGossip, Entries: []router.Entry{{Ensemble: "e1"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.match.Matches("b", "a", tc.m); got != tc.want {
				t.Errorf("%+v.Matches(b, a, %s) = %v, want %v", tc.match, tc.m, got, tc.want)
			}
		})
	}
}

// TestRuleOnEnsembleTakesReplies: a drop rule on an ensemble loses the replies its
// peers produce, and not those of another ensemble's; a rule armed after a reply of
// the ensemble arms on it.
func TestRuleOnEnsembleTakesReplies(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	reply := func(tag uint64, e router.EnsembleID) router.Message {
		m := msg(router.KindReply, tag)
		m.Peer = router.PeerRef{Ensemble: e, Name: "p1", Node: "a"}
		return m
	}
	if _, err := n.AddRule(netmodel.Rule{Name: "d", Match: netmodel.Match{Kind: router.KindReply, Ensemble: "e1"}, Action: netmodel.ActDrop,
		After: &netmodel.Match{Ensemble: "e2"}}); err != nil {
		t.Fatal(err)
	}
	mustSend(t, a.Transport(), "b", reply(1, "e1")) // the rule is not armed yet
	mustSend(t, a.Transport(), "b", reply(2, "e2")) // arms it
	mustSend(t, a.Transport(), "b", reply(3, "e1")) // dropped
	mustSend(t, a.Transport(), "b", reply(4, "e2"))
	w.Run()
	if diff := cmp.Diff([]uint64{1, 2, 4}, rb.tags()); diff != "" {
		t.Errorf("b got (-want +got):\n%s", diff)
	}
	if st := n.Stats(); st.Lost != 1 || st.RulesApplied != 1 {
		t.Errorf("Stats = %+v, want 1 lost to 1 rule", st)
	}
}

// TestAddRuleBad: a bad rule is refused naming the rule and the field.
func TestAddRuleBad(t *testing.T) {
	cases := []struct {
		name string
		r    netmodel.Rule
		want string
	}{
		{name: "no action", r: netmodel.Rule{Name: "x"}, want: `netmodel: bad config: rule "x".action: action(0) is unknown: want drop, delay or duplicate`},
		{name: "unknown action", r: netmodel.Rule{Name: "x", Action: 9}, want: `netmodel: bad config: rule "x".action: action(9) is unknown: want drop, delay or duplicate`},
		{name: "negative delay", r: netmodel.Rule{Name: "x", Action: netmodel.ActDelay, Delay: -time.Millisecond}, want: `netmodel: bad config: rule "x".delay: -1ms is negative`},
		{name: "negative count", r: netmodel.Rule{Name: "x", Action: netmodel.ActDrop, Count: -1}, want: `netmodel: bad config: rule "x".count: -1 is negative`},
		{name: "gossip of an ensemble", r: netmodel.Rule{Name: "x", Action: netmodel.ActDrop, Match: netmodel.Match{Kind: router.KindGossip, Ensemble: "e1"}},
			want: `netmodel: bad config: rule "x".match.ensemble: "e1" with kind gossip matches nothing: gossip carries the entries of many ensembles, and is of none`},
		{name: "after gossip of an ensemble", r: netmodel.Rule{Name: "x", Action: netmodel.ActDrop, After: &netmodel.Match{Kind: router.KindGossip, Ensemble: "e1"}},
			want: `netmodel: bad config: rule "x".after.ensemble: "e1" with kind gossip matches nothing: gossip carries the entries of many ensembles, and is of none`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, n := newNet(t, 1, config(1, time.Millisecond, 0))
			id, err := n.AddRule(tc.r)
			if err == nil || !errors.Is(err, netmodel.ErrBadConfig) {
				t.Fatalf("AddRule = %d, %v; want ErrBadConfig", id, err)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseAction: actions read back what String writes.
func TestParseAction(t *testing.T) {
	for _, a := range []netmodel.Action{netmodel.ActDrop, netmodel.ActDelay, netmodel.ActDuplicate} {
		if got, err := netmodel.ParseAction(a.String()); err != nil || got != a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
	}
	if _, err := netmodel.ParseAction("delete"); !errors.Is(err, netmodel.ErrBadConfig) {
		t.Errorf("ParseAction(delete) = %v, want ErrBadConfig", err)
	}
}

// ruleMsg is a reply labelled tag for ensemble ens: produced by a peer of ens, as a
// reply carries no Message.Ensemble.
func ruleMsg(tag uint64, ens router.EnsembleID) router.Message {
	m := msg(router.KindReply, tag)
	if ens != "" {
		m.Peer = router.PeerRef{Ensemble: ens, Name: "p1", Node: "a"}
	}
	return m
}

// TestRules: what rules do to messages from a to b over a 10ms link. Each case sends
// replies labelled 1..5 at 0, 1, ..., 4ms (those labelled 3 and up are for ensemble
// "late") and a gossip labelled 9 at 2ms, between 2 and 3.
func TestRules(t *testing.T) {
	ms := time.Millisecond
	g := func(at time.Duration, tag uint64) got {
		k := router.KindReply
		if tag == 9 {
			k = router.KindGossip
		}
		return got{At: at, Kind: k, Tag: tag, Arrived: at}
	}
	all := []got{g(10*ms, 1), g(11*ms, 2), g(12*ms, 9), g(12*ms, 3), g(13*ms, 4), g(14*ms, 5)}
	call := func(tag uint64) router.CallID { return msg(router.KindReply, tag).Call }
	cases := []struct {
		name      string
		link      netmodel.Link // zero: the 10ms default
		rules     []netmodel.Rule
		want      []got
		wantStats netmodel.Stats
	}{
		{name: "no rules", want: all, wantStats: netmodel.Stats{Sent: 6, Handed: 6}},
		{
			name:      "drop one call",
			rules:     []netmodel.Rule{{Name: "d", Match: netmodel.Match{Call: call(2)}, Action: netmodel.ActDrop}},
			want:      []got{g(10*ms, 1), g(12*ms, 9), g(12*ms, 3), g(13*ms, 4), g(14*ms, 5)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 5, Lost: 1, RulesApplied: 1},
		},
		{
			name: "delay adds to the latency of that message only",
			// The delayed 2 steps out of the FIFO order: 3..5 and the gossip keep their times.
			rules:     []netmodel.Rule{{Name: "slow", Match: netmodel.Match{Call: call(2)}, Action: netmodel.ActDelay, Delay: 20 * ms}},
			want:      []got{g(10*ms, 1), g(12*ms, 9), g(12*ms, 3), g(13*ms, 4), g(14*ms, 5), g(31*ms, 2)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 6, RulesApplied: 1},
		},
		{
			name:      "duplicate: the copy after its latency plus the delay",
			rules:     []netmodel.Rule{{Name: "twice", Match: netmodel.Match{Call: call(1)}, Action: netmodel.ActDuplicate, Delay: 5 * ms}},
			want:      []got{g(10*ms, 1), g(11*ms, 2), g(12*ms, 9), g(12*ms, 3), g(13*ms, 4), g(14*ms, 5), g(15*ms, 1)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 7, Duplicated: 1, RulesApplied: 1},
		},
		{
			name: "first verdict wins: drop before delay",
			rules: []netmodel.Rule{
				{Name: "d", Match: netmodel.Match{Ensemble: "late"}, Action: netmodel.ActDrop},
				{Name: "slow", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDelay, Delay: 20 * ms},
			},
			want:      []got{g(12*ms, 9), g(30*ms, 1), g(31*ms, 2)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 3, Lost: 3, RulesApplied: 5},
		},
		{
			name: "first verdict wins: delay before drop",
			rules: []netmodel.Rule{
				{Name: "slow", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDelay, Delay: 20 * ms},
				{Name: "d", Match: netmodel.Match{Ensemble: "late"}, Action: netmodel.ActDrop},
			},
			want:      []got{g(12*ms, 9), g(30*ms, 1), g(31*ms, 2), g(32*ms, 3), g(33*ms, 4), g(34*ms, 5)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 6, RulesApplied: 5},
		},
		{
			name: "a verdict skips the link's own drop and dup",
			link: netmodel.Link{Latency: netmodel.Const(10 * ms), Drop: 1, Dup: 1},
			rules: []netmodel.Rule{
				{Name: "slow", Match: netmodel.Match{Call: call(4)}, Action: netmodel.ActDelay, Delay: 0},
			},
			want:      []got{g(13*ms, 4)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 1, Lost: 5, RulesApplied: 1},
		},
		{
			name: "count limits a rule; then the next rule gets its turn",
			rules: []netmodel.Rule{
				{Name: "d2", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDrop, Count: 2},
				{Name: "d1", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDrop, Count: 1},
			},
			want:      []got{g(12*ms, 9), g(13*ms, 4), g(14*ms, 5)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 3, Lost: 3, RulesApplied: 3},
		},
		{
			name: "after: armed by the gossip, the rule spares what went before",
			rules: []netmodel.Rule{
				{Name: "d", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDrop, After: &netmodel.Match{Kind: router.KindGossip}},
			},
			want:      []got{g(10*ms, 1), g(11*ms, 2), g(12*ms, 9)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 3, Lost: 3, RulesApplied: 3},
		},
		{
			name: "after: the trigger itself is not judged by the rule it arms",
			rules: []netmodel.Rule{
				{Name: "d", Match: netmodel.Match{}, Action: netmodel.ActDrop, Count: 1, After: &netmodel.Match{Ensemble: "late"}},
			},
			want:      []got{g(10*ms, 1), g(11*ms, 2), g(12*ms, 9), g(12*ms, 3), g(14*ms, 5)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 5, Lost: 1, RulesApplied: 1},
		},
		{
			name: "after that never happens",
			rules: []netmodel.Rule{
				{Name: "d", Action: netmodel.ActDrop, After: &netmodel.Match{Kind: router.KindPeer}},
			},
			want: all, wantStats: netmodel.Stats{Sent: 6, Handed: 6},
		},
		{
			name: "from and to",
			rules: []netmodel.Rule{
				{Name: "other way", Match: netmodel.Match{From: "b", To: "a"}, Action: netmodel.ActDrop},
				{Name: "this way", Match: netmodel.Match{From: "a", To: "b", Call: call(5)}, Action: netmodel.ActDrop},
			},
			want:      []got{g(10*ms, 1), g(11*ms, 2), g(12*ms, 9), g(12*ms, 3), g(13*ms, 4)},
			wantStats: netmodel.Stats{Sent: 6, Handed: 5, Lost: 1, RulesApplied: 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, 10*ms, 0)
			if tc.link.Latency.Kind != "" {
				cfg.Link = tc.link
			}
			w, n := newNet(t, 1, cfg)
			a, _ := addHost(t, n, "a")
			_, rb := addHost(t, n, "b")
			for _, r := range tc.rules {
				if _, err := n.AddRule(r); err != nil {
					t.Fatalf("AddRule(%+v): %v", r, err)
				}
			}
			// Scheduled first, so the gossip leaves at 2ms before reply 3 does.
			at(w, 2*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindGossip, 9)) })
			for i := range uint64(5) {
				ens := router.EnsembleID("")
				if i+1 >= 3 {
					ens = "late"
				}
				at(w, time.Duration(i)*ms, func() { mustSend(t, a.Transport(), "b", ruleMsg(i+1, ens)) })
			}
			w.Run()
			if diff := cmp.Diff(tc.want, rb.got); diff != "" {
				t.Errorf("deliveries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStats, n.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRuleTrace: applying and arming rules are in the trace.
func TestRuleTrace(t *testing.T) {
	w, n := newTracedNet(t, 1, config(1, time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	for _, r := range []netmodel.Rule{
		{Name: "dup", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDuplicate, Count: 1},
		{Name: "drop after gossip", Action: netmodel.ActDrop, After: &netmodel.Match{Kind: router.KindGossip}},
		// Never armed: it keeps the network looking for rules to arm on every send.
		{Name: "never armed", Action: netmodel.ActDrop, After: &netmodel.Match{Ensemble: "never"}},
	} {
		if _, err := n.AddRule(r); err != nil {
			t.Fatal(err)
		}
	}
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	mustSend(t, a.Transport(), "b", msg(router.KindGossip, 2))
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 3))
	// A second message that After selects finds the rule armed already: no record.
	mustSend(t, a.Transport(), "b", msg(router.KindGossip, 4))
	w.Run()
	want := []string{
		"0s a rule msg=1 rule=dup action=duplicate",
		"0s a dup msg=1 at=1000000",
		`0s a rule-armed msg=2 rule="drop after gossip"`,
		`0s a rule msg=3 rule="drop after gossip" action=drop`,
		"0s - lost msg=3 reason=rule",
		`0s a rule msg=4 rule="drop after gossip" action=drop`,
		"0s - lost msg=4 reason=rule",
	}
	if diff := cmp.Diff(want, records(w, "rule", "rule-armed", "dup", "lost")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestRemoveRule: a removed rule stops judging; removing it again, or an id never
// given, reports false.
func TestRemoveRule(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	id, err := n.AddRule(netmodel.Rule{Name: "all", Action: netmodel.ActDrop})
	if err != nil {
		t.Fatal(err)
	}
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	if !n.RemoveRule(id) {
		t.Errorf("RemoveRule(%d) = false", id)
	}
	if n.RemoveRule(id) || n.RemoveRule(id+1) {
		t.Errorf("RemoveRule of a removed or unknown id = true")
	}
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 2))
	w.Run()
	if diff := cmp.Diff([]uint64{2}, rb.tags()); diff != "" {
		t.Errorf("b got (-want +got):\n%s", diff)
	}
}

// TestRulesArmAfterAddsAndRemoves: a send looks for rules to arm only while some rule
// waits for its After, which the network keeps track of as rules are added, removed
// and armed. Every rule here is armed by its own trigger, whatever was added, removed
// or armed before it: the test fails if the network stops looking while a rule still
// waits. (Looking on after the last one is armed or removed would only cost time,
// and no outcome shows it.)
func TestRulesArmAfterAddsAndRemoves(t *testing.T) {
	w, n := newTracedNet(t, 1, config(1, time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	add := func(r netmodel.Rule) int {
		t.Helper()
		r.Match, r.Action = netmodel.Match{Kind: router.KindCast}, netmodel.ActDrop
		id, err := n.AddRule(r)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	add(netmodel.Rule{Name: "after gossip", After: &netmodel.Match{Kind: router.KindGossip}})
	armed := add(netmodel.Rule{Name: "armed"}) // added last, and armed from the start
	mustSend(t, a.Transport(), "b", msg(router.KindGossip, 1))
	add(netmodel.Rule{Name: "after late", After: &netmodel.Match{Ensemble: "late"}})
	add(netmodel.Rule{Name: "after peer", After: &netmodel.Match{Kind: router.KindPeer}})
	n.RemoveRule(armed) // two rules still wait
	mustSend(t, a.Transport(), "b", ruleMsg(2, "late"))
	mustSend(t, a.Transport(), "b", msg(router.KindPeer, 3)) // "after late" armed, one still waits
	w.Run()
	want := []string{
		`0s a rule-armed msg=1 rule="after gossip"`,
		`0s a rule-armed msg=2 rule="after late"`,
		`0s a rule-armed msg=3 rule="after peer"`,
	}
	if diff := cmp.Diff(want, records(w, "rule-armed")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestRulesJudgeOnlyTheirKinds: a send asks the rules only about a message of a kind
// some rule may apply to; a rule of any kind (Kind 0) makes every kind one, and
// kinds a byte holds beyond the known ones are told apart like any others. The test
// fails if a message a rule applies to goes unjudged. (Judging a kind no rule is
// left for, after a removal, would only cost time: "the rules left" checks that
// they still apply, not that the removed rule's kinds are forgotten.)
func TestRulesJudgeOnlyTheirKinds(t *testing.T) {
	odd := router.KindGossip + 64 // an unknown kind, 64 above a known one
	cases := []struct {
		name  string
		rules []netmodel.Match // each a rule dropping what it matches
		// remove, if set, is the index of a rule removed before the sends.
		remove *int
		want   []uint64 // the tags of the messages handed over, in order
	}{
		{name: "no rule", want: []uint64{1, 2, 3, 4}},
		{name: "a kind", rules: []netmodel.Match{{Kind: router.KindGossip}}, want: []uint64{1, 3, 4}},
		{name: "any kind", rules: []netmodel.Match{{Kind: router.KindGossip}, {Ensemble: "e"}}, want: []uint64{1}},
		{name: "an unknown kind", rules: []netmodel.Match{{Kind: odd}}, want: []uint64{1, 2, 3}},
		{name: "the rules left", rules: []netmodel.Match{{Ensemble: "e"}, {Kind: router.KindGossip}}, remove: new(int), want: []uint64{1, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, n := newNet(t, 1, config(1, time.Millisecond, 0))
			a, _ := addHost(t, n, "a")
			_, rb := addHost(t, n, "b")
			var ids []int
			for i, m := range tc.rules {
				id, err := n.AddRule(netmodel.Rule{Name: fmt.Sprint(i), Match: m, Action: netmodel.ActDrop})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			if tc.remove != nil && !n.RemoveRule(ids[*tc.remove]) {
				t.Fatalf("RemoveRule(%d) = false", ids[*tc.remove])
			}
			for i, k := range []router.Kind{router.KindReply, router.KindGossip, router.KindPeer, odd} {
				m := msg(k, uint64(i+1))
				if i > 0 {
					m.Ensemble = "e"
				}
				mustSend(t, a.Transport(), "b", m)
			}
			w.Run()
			if diff := cmp.Diff(tc.want, rb.tags()); diff != "" {
				t.Errorf("b got (-want +got):\n%s", diff)
			}
		})
	}
}
