package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestDeterminismMismatchExitsOne: when --check-determinism finds the two runs of a
// world apart, ensim run says so and exits 1, as README's exit statuses promise, though
// every invariant held in both runs. The second run is made to differ by moving the
// spec's faults 7ms later before it starts (the runs share the spec's
// fault list), as a source of nondeterminism in the world would make it differ.
func TestDeterminismMismatchExitsOne(t *testing.T) {
	spec, ok := scenarios.Named("crash-restart")
	if !ok {
		t.Fatal(`scenarios.Named("crash-restart") is missing`)
	}
	if len(spec.Faults) == 0 {
		t.Fatal("crash-restart has no faults to move")
	}
	path := writeFile(t, "crash-restart.json", spec.JSON())
	t.Chdir(t.TempDir()) // in case a repro is written

	for _, tc := range []struct {
		name     string
		move     bool
		wantCode int
	}{
		{name: "runs agree", wantCode: exitOK},
		{name: "runs part", move: true, wantCode: exitFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(h func(scenarios.Spec, scenarios.Options)) { simulateHook = h }(simulateHook)
			runs := 0
			simulateHook = func(s scenarios.Spec, _ scenarios.Options) {
				runs++
				if tc.move && runs == 2 {
					for i := range s.Faults {
						s.Faults[i].At += scenarios.Duration(7 * time.Millisecond)
					}
				}
			}
			code, stdout, stderr := ensim(t, "run", "--spec", path, "--check-determinism")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, stdout, stderr)
			}
			if runs < 2 {
				t.Fatalf("%d simulations, want the two of the check", runs)
			}
			const failed = "ensim: determinism check failed"
			if got := strings.Contains(stderr, failed); got != tc.move {
				t.Errorf("stderr says %q: %v, want %v\nstderr:\n%s", failed, got, tc.move, stderr)
			}
		})
	}
}
