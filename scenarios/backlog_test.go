package scenarios

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// backlogSpec is steady with one router a node taking 10ms a message: the arrivals
// outrun the routers for the whole workload, and about 750 messages wait at the
// busiest router when the world was to be quiet, seven seconds of its work.
func backlogSpec(t *testing.T) Spec {
	s := named(t, "steady")
	s.Name = "backlog"
	s.Routers = 1
	s.RouterService = netmodel.Const(10 * time.Millisecond)
	s.Liveness = nil // the calls time out while the routers are behind
	return s
}

// TestBacklogDrains: a world whose routers are behind when it was to be quiet is not
// leaking: the run goes on while they serve their backlog, and the world goes quiet,
// under either semantics. The report says how many messages waited, when, and when
// the world went quiet; a Progress hook changes nothing.
func TestBacklogDrains(t *testing.T) {
	spec := backlogSpec(t)
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		res := mustRun(t, spec, Options{Seed: 1, Semantics: sem})
		r := res.Report
		if len(r.Violations) != 0 {
			t.Fatalf("%v: violations %v", sem, r.Violations)
		}
		b := r.Backlog
		if b == nil {
			t.Fatalf("%v: no backlog reported", sem)
		}
		if b.Messages < 100 || b.QuietNS <= b.AtNS || b.QuietNS != r.SimTimeNS {
			t.Fatalf("%v: backlog %+v, run to %v: want a hundred messages or more, quiet after they waited, at the run's end", sem, *b, time.Duration(r.SimTimeNS))
		}
		if r.Calls.Timeout == 0 || r.Calls.OK == 0 {
			t.Fatalf("%v: calls %+v: want some timed out behind the backlog, and some served", sem, r.Calls)
		}
		watched := mustRun(t, spec, Options{Seed: 1, Semantics: sem, ProgressEvery: 50 * time.Millisecond, Progress: func(time.Duration, uint64) {}})
		if d := cmp.Diff(r, watched.Report, cmpopts.IgnoreFields(Report{}, "WallTimeNS", "EventsPerSec", "SimPerWall")); d != "" {
			t.Errorf("%v: the report with a Progress hook differs (-without +with):\n%s", sem, d)
		}
	}
	// A world quiet in time reports none.
	if r := mustRun(t, named(t, "steady"), Options{Seed: 1}).Report; r.Backlog != nil {
		t.Fatalf("steady: backlog %+v, want none", *r.Backlog)
	}
}

// TestDrainGoesOnWhileTheBacklogShrinks: drain lets the run go on only while the
// longest mailbox is shorter than when the world was last to be quiet, for as long as
// its messages take to serve and settle after; a backlog that did not shrink, or a
// world busy without one, is not quiet.
func TestDrainGoesOnWhileTheBacklogShrinks(t *testing.T) {
	spec := backlogSpec(t)
	wd, err := newWorld(spec, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	wd.schedule()
	wd.w.RunUntil(2 * time.Second) // the workload's end: the routers far behind
	most := 0
	for _, sn := range wd.byIdx {
		most = max(most, sn.host.Backlog())
	}
	if most < 100 {
		t.Fatalf("longest mailbox %d at 2s, want a hundred messages or more", most)
	}
	if q, _, ok := wd.drain(most); ok || q != most {
		t.Fatalf("drain(%d) = %d, %v: want not quiet, the backlog not having shrunk", most, q, ok)
	}
	after := 4*spec.Workload.Timeout.D() + spec.settle()
	q, by, ok := wd.drain(most + 1)
	want := 2*time.Second + time.Duration(most)*10*time.Millisecond + after
	if !ok || q != most || by != want {
		t.Fatalf("drain(%d) = %d, %v, %v: want %d, %v, true", most+1, q, by, ok, most, want)
	}
	wd.w.Run()
	now := wd.w.Now()
	if q, by, ok := wd.drain(most); !ok || q != 0 || by != now+after {
		t.Fatalf("drain(%d) once the backlog is gone = %d, %v, %v: want 0, %v, true (the timeouts and settle once more)", most, q, by, ok, now+after)
	}
	for _, last := range []int{0, math.MaxInt} {
		if q, _, ok := wd.drain(last); ok || q != 0 {
			t.Fatalf("drain(%d) without a backlog = %d, %v: want 0, not ok (no backlog: whatever keeps it busy is no backlog)", last, q, ok)
		}
	}
}
