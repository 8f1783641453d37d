package scenarios

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestEventNamesMatchStrconv: eventNames renders every call number as "c" and its
// decimal digits, whether it follows the last one by one (counted up, across carries
// into a new digit) or jumps anywhere in the int32 range (rendered afresh).
func TestEventNamesMatchStrconv(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var en eventNames
		k := rapid.Int32().Draw(t, "first")
		for i := range rapid.IntRange(1, 300).Draw(t, "calls") {
			switch rapid.IntRange(0, 9).Draw(t, "step") {
			case 0:
				k = rapid.Int32().Draw(t, "jump")
			case 1: // just below a power of ten, so that counting up carries into a new digit
				k = int32(math.Pow10(rapid.IntRange(1, 9).Draw(t, "digits"))) - rapid.Int32Range(1, 3).Draw(t, "below")
			default:
				if k < math.MaxInt32 {
					k++
				}
			}
			want := "c" + strconv.Itoa(int(k))
			if got := string(en.name(k)); got != want {
				t.Fatalf("call %d: name(%d) = %q, want %q", i, k, got, want)
			}
		}
	})
}

// TestTinyRatePlansNoCall: a workload or a burst at a rate so low that the gap to
// its first call is past what a time.Duration holds (1e-15 calls a second: a gap of
// some 30 million years; 1e-300: an infinite mean) plans no call, at once. Converted
// before it was compared, the gap wrapped the planning clock back, and the run
// planned calls until it ran out of memory (or, at 1e-15, made half a million calls
// and blamed the router for them).
func TestTinyRatePlansNoCall(t *testing.T) {
	for _, rate := range []float64{1e-15, 1e-300} {
		spec := named(t, "steady")
		spec.Workload.Rate = rate
		spec.Workload.Bursts = []Burst{{At: Duration(0), Duration: Duration(time.Second), Rate: rate}}
		r := mustRun(t, spec, Options{Seed: 1}).Report
		if r.Calls.Total != 0 {
			t.Errorf("rate %v: %d calls, want none", rate, r.Calls.Total)
		}
	}
}

// TestEmptyPhaseDrawsNothing: a phase with no time to run, here a base workload of
// 0s at 2000 calls a second, plans no call and draws nothing from the workload's
// stream: its bursts make the same calls, at the same times, as with no base rate at
// all.
func TestEmptyPhaseDrawsNothing(t *testing.T) {
	outcomes := func(rate float64) []Outcome {
		s := named(t, "steady")
		s.Liveness = nil
		s.Workload.Rate, s.Workload.Duration = rate, 0
		s.Workload.Bursts = []Burst{{At: ms(500), Duration: ms(300), Rate: 2000}}
		return mustRun(t, s, Options{Seed: 1}).Outcomes()
	}
	with, without := outcomes(2000), outcomes(0)
	if len(without) == 0 {
		t.Fatal("the burst made no call")
	}
	if diff := cmp.Diff(without, with); diff != "" {
		t.Fatalf("a base workload of 0s changed the burst's calls (-without +with):\n%s", diff)
	}
}
