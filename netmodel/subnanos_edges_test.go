package netmodel_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestDurationBelowANanosecondRefused: a spec's duration that is not a whole number
// of nanoseconds is refused with an error that names its text and what
// time.ParseDuration would have read ("1.5ns" as 1ns); one that is is read as
// written, counted in integers, where ParseDuration's floating point read
// "401.47400000000000us" as 401.473µs. (internal/duration's tests try every unit
// and drawn spellings.)
func TestDurationBelowANanosecondRefused(t *testing.T) {
	for s, want := range map[string]string{
		"1.5ns":         `duration "1.5ns": not a whole number of nanoseconds, the finest a duration holds (1ns would be read)`,
		"1.0000000001s": `duration "1.0000000001s": not a whole number of nanoseconds, the finest a duration holds (1s would be read)`,
		"-0.5ns":        `duration "-0.5ns": not a whole number of nanoseconds, the finest a duration holds (0s would be read)`,
	} {
		var d netmodel.Duration
		if err := d.UnmarshalText([]byte(s)); err == nil || err.Error() != want {
			t.Errorf("%q: read as %v, error %v; want %q", s, d.D(), err, want)
		}
	}
	for s, want := range map[string]time.Duration{"0": 0, "1.500us": 1500, "0.0000000001m": 6, "+401.47400000000000us": 401474, ".47202700000000h": 1699297200000} {
		var d netmodel.Duration
		if err := d.UnmarshalText([]byte(s)); err != nil || d.D() != want {
			t.Errorf("%q: read as %d, error %v; want %d", s, int64(d.D()), err, int64(want))
		}
	}
	// In JSON, as a spec holds it.
	var v struct{ D netmodel.Duration }
	if err := json.Unmarshal([]byte(`{"D": "2.5ns"}`), &v); err == nil {
		t.Errorf(`{"D": "2.5ns"}: read as %v, want an error`, v.D.D())
	}
}
