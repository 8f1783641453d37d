package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/sim"
)

// TestStopEndsTheRun: a run whose Options.Stop says true ends after the event that
// emitted the record it was asked after, with a Result that says so and holds
// nothing else; the records handed to the sink up to then are the whole run's
// first ones, the same run up to the stop. Stop without a TraceSink is refused.
func TestStopEndsTheRun(t *testing.T) {
	spec := named(t, "slow-leader-retry")
	var whole []string
	res, err := Run(spec, Options{Seed: 1, TraceSink: func(r *sim.Record) { whole = append(whole, r.String()) }})
	if err != nil || res.Stopped {
		t.Fatalf("whole run: %v, Stopped %v", err, res != nil && res.Stopped)
	}
	const at = 5000 // records before the stop is asked for
	var got []string
	asked := 0
	res, err = Run(spec, Options{Seed: 1,
		TraceSink: func(r *sim.Record) { got = append(got, r.String()) },
		Stop:      func() bool { asked++; return len(got) >= at },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || res.Report.Events != 0 || res.Trace != nil {
		t.Fatalf("stopped run: Stopped %v, %d events reported, %d records kept; want Stopped and nothing else", res.Stopped, res.Report.Events, len(res.Trace))
	}
	if asked != at {
		t.Errorf("Stop asked %d times, want %d (once a record until it says true)", asked, at)
	}
	// The event that emitted the record runs to its end, and no other.
	if len(got) < at || len(got) > at+50 || len(got) >= len(whole) {
		t.Fatalf("stopped run handed %d records, want %d and the rest of one event's, of the whole run's %d", len(got), at, len(whole))
	}
	for i := range got {
		if got[i] != whole[i] {
			t.Fatalf("record %d: %s, the whole run's is %s", i, got[i], whole[i])
		}
	}
	res, err = Run(spec, Options{Seed: 1, Stop: func() bool { return true }})
	if res != nil || !errors.Is(err, ErrBadOptions) || !strings.Contains(err.Error(), "TraceSink") {
		t.Errorf("Stop without TraceSink: %v, %v; want an error wrapping ErrBadOptions naming TraceSink", res, err)
	}
}
