package load

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestOpenLoopDoesNotDrift: the open loop's schedule is computed from each call's
// number, not by adding up an interval rounded to whole nanoseconds, which drifted
// early (at 1.5e8 a second, a tenth more calls): the calls due in the first
// millisecond, started or skipped, are Rate/1000 + 1 at any rate CheckRate takes.
func TestOpenLoopDoesNotDrift(t *testing.T) {
	for _, rate := range []float64{3e6, 1.5e8, 6e8} {
		t.Run(strconv.FormatFloat(rate, 'g', -1, 64), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) { return answer(t, ev) })
				r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}},
					Callers: 1, Rate: rate, Timeout: time.Second})
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Millisecond + 500*time.Microsecond) // one tick, at 1ms
				synctest.Wait()
				s := r.Stop(0)
				due := s.Started + s.Skipped
				want := int64(rate/1000) + 1 // calls 0..rate/1000, due at or before 1ms
				if due != want {
					t.Errorf("rate %g: %d calls due in 1ms, want %d", rate, due, want)
				}
			})
		})
	}
}

// TestOpenLoopReportsStartLag: latencies count from each call's start, so the open
// loop reports how late the calls started after they were due. At 1,500 calls a
// second and a generator that wakes every millisecond (synctest's exact clock, a
// caller that answers at once), call k is due at 2k/3 ms and starts at the next
// whole millisecond: a third or two thirds of a millisecond late, or on time.
func TestOpenLoopReportsStartLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) { return answer(t, ev) })
		r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}},
			Callers: 4, Rate: 1500, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100*time.Millisecond + 500*time.Microsecond)
		synctest.Wait()
		s := r.Stop(0)
		if s.Started != 151 || s.Skipped != 0 {
			t.Fatalf("%d calls started, %d skipped: want 151 and 0", s.Started, s.Skipped)
		}
		if want := int64(2*time.Millisecond - 1333333); s.StartLagMaxNS != want { // call 2, due at 1.333333ms
			t.Errorf("start lag max %v, want %v", time.Duration(s.StartLagMaxNS), time.Duration(want))
		}
		if p99 := time.Duration(s.StartLagP99NS); p99 < 600*time.Microsecond || p99 > time.Duration(s.StartLagMaxNS) {
			t.Errorf("start lag p99 %v, want between 600µs and the max", p99)
		}
		if line := s.Line(); !strings.Contains(line, " start_lag_p99=670µs start_lag_max=670µs") {
			t.Errorf("Line() = %q: no start lag, or not as measured", line)
		}
	})
}
