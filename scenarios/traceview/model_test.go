package traceview

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/sim"
)

// analyse runs a named scenario with its trace kept and analyses it.
func analyse(t *testing.T, name string, sem router.Semantics) (*Trace, *scenarios.Result) {
	t.Helper()
	spec, ok := scenarios.ForSeed(name, 1)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	return analyseSpec(t, spec, sem)
}

// analyseSpec runs spec with seed 1 under sem, keeping its trace, and analyses it.
func analyseSpec(t *testing.T, spec scenarios.Spec, sem router.Semantics) (*Trace, *scenarios.Result) {
	t.Helper()
	res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, Semantics: sem, KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	return New(res.Trace, Meta{Nodes: append(append([]string(nil), spec.Nodes...), spec.Clients...)}), res
}

// arrivals are the kinds of record that start a copy: the message reached the far end
// of its link.
var arrivals = map[string]bool{"queued": true, "handed": true, "held": true, "stalled": true, "parked": true,
	"orphan": true, "shed": true, "lost": true}

// libraryRun is one run of a named scenario, analysed.
type libraryRun struct {
	name string
	tr   *Trace
	res  *scenarios.Result
}

var (
	libraryOnce sync.Once
	library     []libraryRun
)

// libraryRuns runs every named scenario under both semantics, seed 1, once for the
// tests that need them all (with -short, a few with faults of each kind). scale runs
// with a tenth of its calls: its thousand nodes, ten thousand ensembles, elections
// and push-only gossip stay, and its two traces, held with the rest for the whole
// package, take about 2 GB instead of 12.5 (and 12 s to make instead of 96).
func libraryRuns(t *testing.T) []libraryRun {
	t.Helper()
	libraryOnce.Do(func() {
		names := scenarios.Names()
		if testing.Short() {
			names = []string{"dup-reorder", "hold-release", "gc-pause", "crash-restart", "partition-heal", "slow-leader"}
		}
		for _, name := range names {
			spec, ok := scenarios.ForSeed(name, 1)
			if !ok {
				t.Fatalf("no scenario %q", name)
			}
			label := name
			if name == "scale" {
				spec.Workload.Rate /= 10
				label = "scale-tenth"
			}
			for _, sem := range []router.Semantics{router.Default, router.Riak} {
				tr, res := analyseSpec(t, spec, sem)
				library = append(library, libraryRun{name: label + "/" + sem.String(), tr: tr, res: res})
			}
		}
	})
	if len(library) == 0 {
		t.Fatal("no scenario ran")
	}
	return library
}

// TestPairing checks, on every named scenario, that each message is paired from its
// send to arrivals at its own destination, and that the calls' lives agree with what
// the run itself reports: each call's outcome, the late replies, the network's
// counters.
func TestPairing(t *testing.T) {
	for _, run := range libraryRuns(t) {
		t.Run(run.name, func(t *testing.T) {
			checkPairing(t, run.tr, run.res)
			checkLives(t, run.tr, run.res)
		})
	}
}

// TestPairingSwarm checks the same on swarm's worlds of seeds 2 and 8 (run with seed
// 1), whose messages end while they wait: parked or queued ones orphaned by a crash,
// stalled ones lost at a heal, which each stay one copy, not a second arrival.
func TestPairingSwarm(t *testing.T) {
	for _, seed := range []uint64{2, 8} {
		spec, _ := scenarios.ForSeed("swarm", seed)
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			t.Run(fmt.Sprintf("%d/%v", seed, sem), func(t *testing.T) {
				tr, res := analyseSpec(t, spec, sem)
				checkPairing(t, tr, res)
				checkLives(t, tr, res)
			})
		}
	}
}

func checkPairing(t *testing.T, tr *Trace, res *scenarios.Result) {
	t.Helper()
	var lost, held, parked, dups uint64
	for i := range tr.recs {
		r := &tr.recs[i]
		if !has(r, "msg") {
			continue
		}
		m := tr.msgOf[num(r, "msg")]
		if m == nil {
			t.Fatalf("record %d (%s) names message %d, which was never sent", r.Seq, r.Kind, num(r, "msg"))
		}
		switch r.Kind {
		case "lost":
			lost++
		case "held", "stalled":
			held++
		case "parked":
			parked++
		}
	}
	for _, m := range tr.msgs {
		send := &tr.recs[m.send]
		if m.dup >= 0 {
			dups++
		}
		if max := 1 + min(m.dup+1, 1); len(m.copies) > max {
			t.Errorf("message %d: %d copies arrived, at most %d can", m.id, len(m.copies), max)
		}
		if m.lostAt >= 0 && (len(m.copies) > 0 || tr.recs[m.lostAt].At != send.At) {
			t.Errorf("message %d: lost at the sender at %v (sent at %v), yet %d copies arrived", m.id, tr.recs[m.lostAt].At, send.At, len(m.copies))
		}
		for _, c := range m.copies {
			first := &tr.recs[c.steps[0]]
			if !arrivals[first.Kind] {
				t.Errorf("message %d: a copy starts with %s, not an arrival", m.id, first.Kind)
			}
			if first.At == send.At {
				// Every link has a latency: nothing arrives as it is sent.
				t.Errorf("message %d: a copy arrives (%s) at the time it was sent", m.id, first.Kind)
			}
			prev := send.At
			for _, s := range c.steps {
				r := &tr.recs[s]
				if r.At < prev {
					t.Errorf("message %d: step %s at %v before the one before it at %v", m.id, r.Kind, r.At, prev)
				}
				prev = r.At
				if r.Node != "" && r.Node != m.to {
					t.Errorf("message %d to %s: step %s happened on %s", m.id, m.to, r.Kind, r.Node)
				}
				if to := str(r, "to"); to != "" && to != m.to {
					t.Errorf("message %d to %s: step %s names %s", m.id, m.to, r.Kind, to)
				}
			}
		}
	}
	p := res.Report.Probes
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"lost", lost, p["net-lost"]},
		{"held or stalled", held, p["net-held"]},
		{"parked", parked, p["net-parked-while-paused"]},
		{"duplicated", dups, p["net-duplicated"]},
	} {
		if c.got != c.want {
			t.Errorf("%d messages %s in the trace, the network counted %d", c.got, c.name, c.want)
		}
	}
}

func checkLives(t *testing.T, tr *Trace, res *scenarios.Result) {
	t.Helper()
	var late uint64
	for _, o := range res.Outcomes() {
		c := tr.cals[o.Call]
		if c == nil {
			t.Errorf("call %s: no life in the trace", o.Call)
			continue
		}
		if c.node != o.Node || c.ensemble != o.Ensemble {
			t.Errorf("call %s: from %s to %s, the run says from %s to %s", o.Call, c.node, c.ensemble, o.Node, o.Ensemble)
		}
		code := "lost"
		if c.complete >= 0 {
			code = str(&tr.recs[c.complete], "code")
		}
		if code != o.Code {
			t.Errorf("call %s: outcome %s, the run says %s", o.Call, code, o.Code)
		}
		for _, i := range c.late {
			late++
			// A local peer answers without a message; a reply from another node is
			// the message handed over just before.
			if m, _ := tr.lateHandOver(i); m != nil && (m.kind != "reply" || m.call != o.Call || m.to != o.Node || !m.late) {
				t.Errorf("call %s: the late record at seq %d names message %d (%s for %s to %s)", o.Call, tr.recs[i].Seq, m.id, m.kind, m.call, m.to)
			}
		}
	}
	if len(tr.calls) != len(res.Outcomes()) {
		t.Errorf("%d calls in the trace, %d in the run", len(tr.calls), len(res.Outcomes()))
	}
	if late != res.Report.LateRepliesDiscarded {
		t.Errorf("%d late records, the routers dropped %d late replies", late, res.Report.LateRepliesDiscarded)
	}
}

// TestInstances: the instance of a hand-over and of the records of its step; the
// step ends at the first record of another time, another node or another kind.
func TestInstances(t *testing.T) {
	w := sim.New(sim.Config{KeepTrace: true})
	route := func(id int64, to string, inst int64) {
		w.Emit("n1", "send", sim.Int("msg", id), sim.String("to", to), sim.String("msg_kind", "route"),
			sim.String("call", "n1.1.1"), sim.Int("hops", 1), sim.Int("inst", inst))
	}
	w.Schedule(0, func() {
		w.Emit("n1", "call", sim.String("call", "n1.1.1"))
		route(1, "n2", 3)
		route(2, "n2", 5)
	})
	w.Schedule(1000, func() {
		w.Emit("n2", "queued", sim.Int("msg", 1), sim.Int("inst", 3))
		w.Emit("n2", "handed", sim.Int("msg", 1), sim.String("msg_kind", "route"))
		w.Emit("n2", "send", sim.Int("msg", 3), sim.String("to", "n3"), sim.String("msg_kind", "route"), sim.Int("inst", 0))
		w.Emit("", "lost", sim.Int("msg", 3), sim.String("reason", "loss"))
		w.Emit("n2", "drop", sim.String("call", "n1.1.1"))
		w.Emit("n2", "complete", sim.String("call", "n2.1.1"), sim.String("code", "timeout")) // a timer: ends the step
		w.Emit("n2", "deliver", sim.String("call", "n2.1.2"))                                 // so this is not r3's
	})
	w.Schedule(2000, func() {
		w.Emit("n2", "handed", sim.Int("msg", 2), sim.String("msg_kind", "route"))
		w.Emit("n3", "deliver", sim.String("call", "n3.1.1")) // another node
		w.Emit("n2", "deliver", sim.String("call", "n2.1.3")) // the step ended
	})
	w.Schedule(3000, func() {
		w.Emit("n2", "deliver", sim.String("call", "n2.1.4")) // another time
	})
	w.Run()
	tr := New(w.Trace(), Meta{})
	want := []int{-1, -1, -1, 3, 3, 3, -1, 3, -1, -1, 5, -1, -1, -1}
	if len(tr.inst) != len(want) {
		t.Fatalf("%d records, want %d", len(tr.inst), len(want))
	}
	for i, r := range tr.recs {
		if tr.inst[i] != want[i] {
			t.Errorf("seq %d %s %s: instance %d, want %d", r.Seq, r.Node, r.Kind, tr.inst[i], want[i])
		}
	}
}

// TestEnsembleOf: a call's target names its ensemble, whose name may hold a space;
// a peer's names the longest known ensemble it starts with, since either of its
// names may hold a "/", and with none known the name up to its first "/".
func TestEnsembleOf(t *testing.T) {
	known := ensembles{"kv": true, "kv/users": true, "e1": true}
	for _, tc := range []struct {
		known        ensembles
		target, want string
	}{
		{known, "ens:e1", "e1"},
		{known, "ens:e1 via n2", "e1"},
		{known, "ens:e 2", "e 2"},
		{known, "ens:e 2 via n2", "e 2"},
		{known, "ens:kv/users via n2", "kv/users"},
		{known, "peer:e1/p1@n1", "e1"},
		{known, "peer:kv/users/p1@n1", "kv/users"},
		{known, "peer:kv/p1@n1", "kv"},
		{known, "peer:kv/users/a/b@n1", "kv/users"}, // a member named "a/b"
		{ensembles{"kv": true}, "peer:kv/users/p1@n1", "kv"},
		{ensembles{"kv/users": true}, "peer:kv/p1@n1", "kv"}, // known none: up to the first "/"
		{nil, "peer:kv/users/p1@n1", "kv"},
		{known, "", ""},
	} {
		if got := tc.known.of(tc.target); got != tc.want {
			t.Errorf("%v: of(%q) = %q, want %q", tc.known, tc.target, got, tc.want)
		}
	}
}
