package netmodel_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestDurationBelowANanosecondRefused: a duration that is not a whole number of
// nanoseconds is refused with an error that names its text, where time.ParseDuration
// drops what is below the nanosecond ("1.5ns" read as 1ns); a fraction that comes to
// whole nanoseconds, in any unit, is read as written.
func TestDurationBelowANanosecondRefused(t *testing.T) {
	for _, s := range []string{"1.5ns", "0.1ns", "-1.5ns", "+0.5ns", "1.0000000001s", "1s1.5ns", "1.0005us", "0.0000001ms",
		"0.0000000000005m", "0.00000000000025h", "0.3333333333ms", "1.00000000000000000001s", "1.5ns1s"} {
		var d netmodel.Duration
		err := d.UnmarshalText([]byte(s))
		if err == nil || !strings.Contains(err.Error(), `duration "`+s+`": not a whole number of nanoseconds`) {
			t.Errorf("%q: read as %v, error %v; want it refused as below a nanosecond", s, d.D(), err)
		}
	}
	for s, want := range map[string]time.Duration{
		"0": 0, "-0": 0, "1ns": 1, "1.0ns": 1, "1.500us": 1500, "1.001us": 1001, "0.000001ms": 1, ".5us": 500, "5.s": 5 * time.Second,
		"0.000000001s": 1, "1.000000000000s": time.Second, "-1.5us": -1500, "1h0.5us": time.Hour + 500,
		"0.5m": 30 * time.Second, "0.0000000001m": 6, "0.000000000005h": 18, "0.0000000000125h": 45,
		"1.5µs": 1500, "1.5μs": 1500,
	} {
		var d netmodel.Duration
		if err := d.UnmarshalText([]byte(s)); err != nil || d.D() != want {
			t.Errorf("%q: read as %v, error %v; want %v", s, d.D(), err, want)
		}
	}
	// In JSON, as a spec holds it.
	var v struct{ D netmodel.Duration }
	if err := json.Unmarshal([]byte(`{"D": "2.5ns"}`), &v); err == nil {
		t.Errorf(`{"D": "2.5ns"}: read as %v, want an error`, v.D.D())
	}
}
