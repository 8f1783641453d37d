package netmodel

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Duration is a time.Duration that reads and writes as text ("250us", "1.5s") in JSON,
// so specs stay editable by hand.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalText writes d in time.Duration's notation.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads time.Duration's notation.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit, like 250us or 1.5s", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalJSON refuses bare numbers (ambiguous units) with a clear message.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: want a quoted string with a unit, like \"250us\"", b)
	}
	return d.UnmarshalText([]byte(s))
}

// Dist is a distribution of durations: a minimum plus a random part.
//   - constant: always Min
//   - uniform: uniform in [Min, Max]
//   - exponential: Min + an exponential with mean Mean
//   - lognormal: Min + a lognormal with mean Mean and shape Sigma (a long tail)
type Dist struct {
	Kind  string   `json:"dist"`
	Min   Duration `json:"min"`
	Max   Duration `json:"max,omitempty"`
	Mean  Duration `json:"mean,omitempty"`
	Sigma float64  `json:"sigma,omitempty"`
}

// Const returns the constant distribution d.
func Const(d time.Duration) Dist { return Dist{Kind: "constant", Min: Duration(d)} }

// Validate reports the first bad field; field names the distribution in the message.
func (d Dist) Validate(field string) error {
	switch {
	case d.Min < 0:
		return fmt.Errorf("%s.min: %v is negative", field, d.Min.D())
	case d.Max < 0:
		return fmt.Errorf("%s.max: %v is negative", field, d.Max.D())
	case d.Mean < 0:
		return fmt.Errorf("%s.mean: %v is negative", field, d.Mean.D())
	case d.Sigma < 0 || math.IsNaN(d.Sigma):
		return fmt.Errorf("%s.sigma: %v is negative", field, d.Sigma)
	}
	switch d.Kind {
	case "constant":
	case "uniform":
		if d.Max < d.Min {
			return fmt.Errorf("%s.max: %v is below min %v", field, d.Max.D(), d.Min.D())
		}
	case "exponential":
		if d.Mean == 0 {
			return fmt.Errorf("%s.mean: exponential needs a positive mean", field)
		}
	case "lognormal":
		if d.Mean == 0 || d.Sigma == 0 {
			return fmt.Errorf("%s: lognormal needs a positive mean and sigma", field)
		}
	default:
		return fmt.Errorf("%s.dist: %q is unknown: want constant, uniform, exponential or lognormal", field, d.Kind)
	}
	return nil
}

// Sample draws one duration from r.
func (d Dist) Sample(r *rand.Rand) time.Duration {
	min := d.Min.D()
	switch d.Kind {
	case "uniform":
		if d.Max > d.Min {
			return min + time.Duration(r.Int64N(int64(d.Max-d.Min)+1))
		}
	case "exponential":
		return min + time.Duration(r.ExpFloat64()*float64(d.Mean))
	case "lognormal":
		// Choose mu so that the mean of exp(N(mu, sigma^2)) is Mean.
		mu := math.Log(float64(d.Mean)) - d.Sigma*d.Sigma/2
		v := math.Exp(mu + d.Sigma*r.NormFloat64())
		if v > float64(time.Hour) {
			v = float64(time.Hour)
		}
		return min + time.Duration(v)
	}
	return min
}
