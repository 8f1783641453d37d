package cluster

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ensroute/ensroute/internal/duration"
)

// durationValue is a flag.Value for a duration that says what it wants when it is
// given something else: flag's own Duration says only "parse error", for a typo
// and for a duration too long to hold alike. It reads the duration as written
// (duration.Parse): time.ParseDuration drops what is below the nanosecond, which
// made --timeout 0.5ns a timeout of 0, and can come 1ns short of a fraction written
// with many digits.
type durationValue struct{ p *time.Duration }

func (d durationValue) String() string {
	if d.p == nil { // flag's zero value, to tell a default worth printing
		return time.Duration(0).String()
	}
	return d.p.String()
}

func (d durationValue) Set(s string) error {
	v, err := duration.Parse(s)
	switch {
	case errors.Is(err, duration.ErrNotWhole):
		return err // flag names the flag and the value before it
	case err != nil:
		return fmt.Errorf("want a duration such as 500ms, 2s or 1m30s, at most %v", time.Duration(1<<63-1))
	}
	*d.p = v
	return nil
}

func (d durationValue) Get() any { return *d.p }

// DurationVar is flag.FlagSet.DurationVar with an error that says what a duration
// is (flag prints "invalid value "X" for flag -NAME: " before it). The usage gains
// the example flag's own help would give, and names the value "duration" as flag's
// does (its help names a Value it does not know "value").
func DurationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationValue{p}, name, usage+" (a `duration` such as 500ms or 2s)")
}

// Duration is flag.FlagSet.Duration with DurationVar's error.
func Duration(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	DurationVar(fs, p, name, value, usage)
	return p
}
