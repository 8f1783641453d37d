package scenarios

import (
	"runtime"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// module prefixes the functions of this module in stack frames.
const module = "github.com/ensroute/ensroute/"

// scenarioAllocs counts the objects allocated so far, by the function of package
// scenarios (tests aside) that made them: the innermost frame of this module on the
// allocation's stack, when it is in package scenarios. Only allocations sampled
// while runtime.MemProfileRate was 1 are all counted.
func scenarioAllocs(t *testing.T) map[string]int64 {
	t.Helper()
	runtime.GC() // the profile is published by garbage collections
	runtime.GC()
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	out := map[string]int64{}
	for _, r := range recs {
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			if strings.HasPrefix(f.Function, module) {
				if strings.HasPrefix(f.Function, module+"scenarios.") && !strings.HasSuffix(f.File, "_test.go") {
					out[f.Function] += r.AllocObjects
				}
				break
			}
			if !more {
				break
			}
		}
	}
	return out
}

// TestCallsAllocateNothingInScenarios: over a whole run, no function of package
// scenarios allocates once per call (or per event): call records, events, answers
// and the checker's bookkeeping come from chunks, pools and slices that grow by
// doubling. What the router, the network and the kernel allocate is theirs to
// count. Every allocation is sampled (runtime.MemProfileRate = 1) and charged to the
// innermost function of this module on its stack; no function of package scenarios
// may be charged more than one object per 20 calls.
func TestCallsAllocateNothingInScenarios(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()
	for _, name := range []string{"steady", "leader-churn"} {
		t.Run(name, func(t *testing.T) {
			spec := named(t, name)
			before := scenarioAllocs(t)
			res, err := Run(spec, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			after := scenarioAllocs(t)
			calls := int64(res.Report.Calls.Total)
			if calls < 1000 {
				t.Fatalf("only %d calls: too few to tell per-call allocations from per-run ones", calls)
			}
			var total int64
			for fn, n := range after {
				d := n - before[fn]
				total += d
				if d*20 > calls {
					t.Errorf("%s allocated %d objects in a run of %d calls", fn, d, calls)
				}
			}
			if total == 0 {
				t.Fatal("no allocation charged to package scenarios at all: the profile was not read")
			}
		})
	}
}

// TestBeginAllocatesNothing: registering a call takes its record from a chunk.
func TestBeginAllocatesNothing(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sn, es, event := wd.byIdx[0], wd.ensBy[0], []byte("c1")
	if got := testing.AllocsPerRun(10_000, func() { wd.chk.begin(sn, es, event, -1) }); got != 0 {
		t.Errorf("begin allocates %v objects per call, want 0", got)
	}
}

// TestAnswerPoolRecycles: an answer returned to the pool is the next one handed out,
// cleared, and a get-put cycle allocates nothing.
func TestAnswerPoolRecycles(t *testing.T) {
	var ap answerPool
	a := ap.get()
	a.value = []byte("x")
	ap.put(a)
	if a.held || a.value != nil {
		t.Fatalf("a returned answer still holds its work: %+v", a)
	}
	if b := ap.get(); b != a || !b.held {
		t.Fatalf("get after put = %p (held %v), want the returned %p", b, b.held, a)
	}
	ap.put(a)
	if got := testing.AllocsPerRun(10_000, func() { ap.put(ap.get()) }); got != 0 {
		t.Errorf("a get-put cycle allocates %v objects, want 0", got)
	}
}

// TestAnswerRunsOnce: an answer that already replied (and went back to its pool)
// refuses to run again rather than send another call's answer.
func TestAnswerRunsOnce(t *testing.T) {
	var ap answerPool
	a := ap.get()
	ap.put(a)
	defer func() {
		if recover() == nil {
			t.Error("a recycled answer replied")
		}
	}()
	a.reply()
}

// TestByteArena: slices from the arena hold what was copied, do not overlap, cannot
// be appended to in place, and cost no allocation of their own.
func TestByteArena(t *testing.T) {
	var a byteArena
	var got [][]byte
	var want []string
	for i := range 2000 {
		s := strings.Repeat(string(rune('a'+i%26)), 1+i%40)
		got = append(got, a.copy([]byte(s)))
		want = append(want, s)
	}
	big := strings.Repeat("z", arenaChunk)
	got, want = append(got, a.copy([]byte(big))), append(want, big)
	for _, b := range got[:10] {
		_ = append(b, '!') // must copy, not write into the next slice
	}
	for i := range got {
		if string(got[i]) != want[i] || cap(got[i]) != len(got[i]) {
			t.Fatalf("slice %d = %q (cap %d), want %q with no room to append", i, got[i], cap(got[i]), want[i])
		}
	}
	b := []byte("c12345")
	if n := testing.AllocsPerRun(10_000, func() { a.copy(b) }); n != 0 {
		t.Errorf("copy allocates %v objects per call, want 0", n)
	}
}

// TestCompletionOfUnknownCall: a completion that names a call its incarnation never
// started (or another call than the one started with that number) is a violation.
func TestCompletionOfUnknownCall(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sn := wd.byIdx[0]
	id := router.CallID{Node: sn.id, Incarnation: sn.inc, Seq: 1}
	sn.tr.done(router.Result{Call: id}) // nothing started yet
	wd.chk.begin(sn, wd.ensBy[0], []byte("c1"), -1)
	sn.tr.Trace(&router.Event{Kind: router.EvCall, Call: id, Target: router.ToEnsemble(wd.eord[0])})
	other := id
	other.Incarnation++
	sn.tr.done(router.Result{Call: other}) // seq 1 of another incarnation
	if len(wd.chk.viol) != 2 {
		t.Fatalf("violations %+v, want two", wd.chk.viol)
	}
	for _, v := range wd.chk.viol {
		if v.Invariant != InvExactlyOnce || !strings.Contains(v.Detail, "did not start") {
			t.Errorf("violation %+v, want %s: did not start", v, InvExactlyOnce)
		}
	}
	sn.tr.done(router.Result{Call: id, Err: router.ErrTimeout})
	if rec := &wd.chk.calls[0]; rec.completions != 1 {
		t.Errorf("the started call has %d completions, want 1", rec.completions)
	}
}

// TestCallIDOfAnotherNode: a call id that names another node than the caller is a
// violation, not a crash of the checker.
func TestCallIDOfAnotherNode(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sn := wd.byIdx[0]
	wd.chk.begin(sn, wd.ensBy[0], []byte("c1"), -1)
	id := router.CallID{Node: wd.byIdx[1].id, Incarnation: sn.inc, Seq: 1}
	sn.tr.Trace(&router.Event{Kind: router.EvCall, Call: id, Target: router.ToEnsemble(wd.eord[0])})
	if len(wd.chk.viol) != 1 || wd.chk.viol[0].Invariant != InvExactlyOnce || !strings.Contains(wd.chk.viol[0].Detail, "names another node") {
		t.Fatalf("violations %+v, want one %s: names another node", wd.chk.viol, InvExactlyOnce)
	}
}

// TestCompletionAfterCrash: a call whose node crashed with it open is lost with the
// node; a completion of it after the crash is a violation, not a late success.
func TestCompletionAfterCrash(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sn := wd.byIdx[0]
	wd.chk.begin(sn, wd.ensBy[0], []byte("c1"), -1)
	id := router.CallID{Node: sn.id, Incarnation: sn.inc, Seq: 1}
	sn.tr.Trace(&router.Event{Kind: router.EvCall, Call: id, Target: router.ToEnsemble(wd.eord[0])})
	wd.chk.crashed(sn)
	if len(wd.chk.viol) != 0 {
		t.Fatalf("violations %+v before the completion", wd.chk.viol)
	}
	sn.tr.done(router.Result{Call: id, Err: router.ErrTimeout})
	if len(wd.chk.viol) != 1 || wd.chk.viol[0].Invariant != InvExactlyOnce || !strings.Contains(wd.chk.viol[0].Detail, "completed after its node crashed (router: timeout)") {
		t.Fatalf("violations %+v, want one %s: completed after its node crashed", wd.chk.viol, InvExactlyOnce)
	}
}
