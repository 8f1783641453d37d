package duration_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/duration"
)

// TestBelowANanosecondRefused: a duration that is not a whole number of nanoseconds
// is refused with a *NotWholeError that says what time.ParseDuration reads it as
// (what is below the nanosecond dropped: "1.5ns" as 1ns); a fraction that comes to
// whole nanoseconds, in any unit, is read as written.
func TestBelowANanosecondRefused(t *testing.T) {
	for s, read := range map[string]time.Duration{
		"1.5ns": 1, "0.1ns": 0, "-1.5ns": -1, "+0.5ns": 0, "1.0000000001s": time.Second, "1s1.5ns": time.Second + 1,
		"1.0005us": 1000, "0.0000001ms": 0, "0.0000000000005m": 0, "0.00000000000025h": 0, "0.3333333333ms": 333333,
		"1.00000000000000000001s": time.Second, "1.5ns1s": time.Second + 1,
	} {
		_, err := duration.Parse(s)
		var nw *duration.NotWholeError
		if !errors.As(err, &nw) || !errors.Is(err, duration.ErrNotWhole) || nw.Read != read {
			t.Errorf("%q: error %v; want it refused as below a nanosecond, naming %v as what would be read", s, err, read)
		}
	}
	for s, want := range map[string]time.Duration{
		"0": 0, "-0": 0, "1ns": 1, "1.0ns": 1, "1.500us": 1500, "1.001us": 1001, "0.000001ms": 1, ".5us": 500, "5.s": 5 * time.Second,
		"0.000000001s": 1, "1.000000000000s": time.Second, "-1.5us": -1500, "1h0.5us": time.Hour + 500,
		"0.5m": 30 * time.Second, "0.0000000001m": 6, "0.000000000005h": 18, "0.0000000000125h": 45,
		"1.5µs": 1500, "1.5μs": 1500,
	} {
		if d, err := duration.Parse(s); err != nil || d != want {
			t.Errorf("%q: read as %v, error %v; want %v", s, d, err, want)
		}
	}
	_, err := duration.Parse("0.5ns")
	if want := "not a whole number of nanoseconds, the finest a duration holds (0s would be read)"; err == nil || err.Error() != want {
		t.Errorf("0.5ns: error %v; want %q", err, want)
	}
}
