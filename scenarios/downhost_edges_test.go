package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
)

// TestCheckerDownHostTimersAreALeak: a host that is down when the world is quiet
// holds no timer either: its crash withdrew them. With crash-keeps-timers a crash
// leaves them armed, and the checker names the host, down, with what it still holds;
// a correct crash leaves nothing to name.
func TestCheckerDownHostTimersAreALeak(t *testing.T) {
	for _, keep := range []bool{false, true} {
		s := named(t, "steady")
		s.Liveness = nil
		var injected bugs.Set
		if keep {
			injected = bugs.Of(bugs.CrashKeepsTimers)
		}
		wd, err := newWorld(s, Options{Seed: 1, Semantics: router.Default, Bugs: injected})
		if err != nil {
			t.Fatal(err)
		}
		b := wd.byIdx[1]
		b.host.Clock().After(time.Second, router.Timer{Kind: router.TimerCall})
		b.host.Clock().After(2*time.Second, router.Timer{Kind: router.TimerCall})
		wd.crash(b)
		wd.chk.finish(true)
		if !keep {
			wantViolations(t, wd, "", "")
			continue
		}
		wantViolations(t, wd, InvNoLeak, string(b.id)+", down, still has 2 timers and 0 queued messages")
	}
}

// TestCrashKeepsTimersForGood: in crash-for-good, whose node never comes back, the
// timers its crash left armed are reported within a few seeds, by the clause that
// looks at a host that is down; the same seeds are clean without the bug.
func TestCrashKeepsTimersForGood(t *testing.T) {
	spec := specFile(crashForGoodFile)(t)
	for seed := uint64(1); seed <= 5; seed++ {
		if clean := mustRun(t, spec, Options{Seed: seed}).Report; len(clean.Violations) > 0 {
			t.Fatalf("seed %d without the bug already fails: %+v", seed, clean.Violations[0])
		}
		broken := mustRun(t, spec, Options{Seed: seed, Bugs: bugs.Of(bugs.CrashKeepsTimers)}).Report
		for _, v := range broken.Violations {
			if v.Invariant == InvNoLeak && strings.Contains(v.Detail, ", down, still has") {
				t.Logf("seed %d: %s", seed, v.Detail)
				return
			}
		}
	}
	t.Fatal("crash-keeps-timers in crash-for-good: no seed of 5 reports a host, down, still holding timers")
}
