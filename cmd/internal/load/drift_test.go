package load

import (
	"context"
	"strconv"
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
