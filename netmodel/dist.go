package netmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"

	"github.com/ensroute/ensroute/internal/duration"
)

// Duration is a time.Duration that reads and writes as text ("250us", "1.5s") in JSON,
// so specs stay editable by hand.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalText writes d in time.Duration's notation.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads time.Duration's notation, with duration.Parse. A duration that
// is not a whole number of nanoseconds ("1.5ns", "0.1ns", "1.0000000001s") is
// refused: time.ParseDuration drops what is below a nanosecond, and a spec's value
// would silently be another than the one written. One that is is read as written,
// counted in integers (ParseDuration's floating point can come 1ns short of it).
// The errors name the text as written, which a spec's messages quote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := duration.Parse(string(b))
	switch {
	case errors.Is(err, duration.ErrRange):
		return fmt.Errorf("duration %q: out of range, longer than %v either way", b, time.Duration(math.MaxInt64))
	case errors.Is(err, duration.ErrNotWhole):
		return fmt.Errorf("duration %q: %w", b, err)
	case err != nil:
		return fmt.Errorf("duration %q: want a number with a unit, like 250us or 1.5s", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalJSON refuses bare numbers (ambiguous units) with a clear message. Like
// encoding/json itself, it leaves d as it is for a JSON null.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		// A type error lets encoding/json add the path of the field to the message.
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeFor[Duration]()}
	}
	return d.UnmarshalText([]byte(s))
}

// Dist is a distribution of durations: a minimum plus a random part.
//   - constant: always Min
//   - uniform: uniform in [Min, Max]
//   - exponential: Min + an exponential with mean Mean
//   - lognormal: Min + a lognormal with mean Mean and shape Sigma (a long tail),
//     each draw of which stops at an hour (LognormalCap): a tail that reaches that
//     far draws less than Mean on average (Expected)
type Dist struct {
	Kind  string   `json:"dist"`
	Min   Duration `json:"min"`
	Max   Duration `json:"max,omitempty"`
	Mean  Duration `json:"mean,omitempty"`
	Sigma float64  `json:"sigma,omitempty"`
}

// Const returns the constant distribution d.
func Const(d time.Duration) Dist { return Dist{Kind: "constant", Min: Duration(d)} }

// Validate reports the first bad field and changes nothing. field names the
// distribution in the message ("link.latency" gives "link.latency.min: -1ms is
// negative"); the error matches ErrBadConfig under errors.Is but carries no package
// prefix, so a caller can fold it into its own message.
func (d Dist) Validate(field string) error {
	switch {
	case d.Min < 0:
		return badField("%s.min: %v is negative", field, d.Min.D())
	case d.Max < 0:
		return badField("%s.max: %v is negative", field, d.Max.D())
	case d.Mean < 0:
		return badField("%s.mean: %v is negative", field, d.Mean.D())
	case math.IsNaN(d.Sigma) || math.IsInf(d.Sigma, 0):
		// An infinite sigma makes Sample compute inf-inf: NaN, not a duration.
		return badField("%s.sigma: %v is not finite", field, d.Sigma)
	case d.Sigma < 0:
		return badField("%s.sigma: %v is negative", field, d.Sigma)
	}
	switch d.Kind {
	case "constant":
	case "uniform":
		if d.Max < d.Min {
			return badField("%s.max: %v is below min %v", field, d.Max.D(), d.Min.D())
		}
	case "exponential":
		if d.Mean == 0 {
			return badField("%s.mean: exponential needs a positive mean", field)
		}
	case "lognormal":
		if d.Mean == 0 {
			return badField("%s.mean: lognormal needs a positive mean", field)
		}
		if d.Sigma == 0 {
			return badField("%s.sigma: lognormal needs a positive sigma", field)
		}
	case "":
		return badField("%s.dist: missing (the key is required): want constant, uniform, exponential or lognormal", field)
	default:
		return badField("%s.dist: %q is unknown: want constant, uniform, exponential or lognormal", field, d.Kind)
	}
	// A field the kind does not use would be ignored: {"dist": "constant", "mean":
	// "80ms"} would draw 0 every time, which is never what was meant.
	uses := map[string]string{"constant": "min", "uniform": "min and max", "exponential": "min and mean", "lognormal": "min, mean and sigma"}[d.Kind]
	for _, f := range [...]struct {
		name string
		set  bool
	}{{"max", d.Max != 0}, {"mean", d.Mean != 0}, {"sigma", d.Sigma != 0}} {
		if f.set && !strings.Contains(uses, f.name) {
			return badField("%s.%s: %s does not use %s (it takes %s)", field, f.name, d.Kind, f.name, uses)
		}
	}
	return nil
}

// Sample draws one duration from r. For a valid d the result is never below Min, and
// for uniform never above Max; a lognormal's random part stops at LognormalCap, and
// a tail that would pass the largest time.Duration stops there instead of wrapping
// around.
func (d Dist) Sample(r *rand.Rand) time.Duration {
	s := d.sampler()
	return s.sample(r)
}

// High returns a duration that no draw of a valid d is expected to pass: the largest
// draw for constant and uniform; for exponential, Min plus 42 means (a draw passes it
// with probability e^-42, under 1e-18); for lognormal, Min plus the draw nine
// standard deviations up (probability about 1e-19), at most LognormalCap, where a
// draw stops. It saturates at the largest time.Duration.
func (d Dist) High() time.Duration {
	switch d.Kind {
	case "uniform":
		return max(d.Min.D(), d.Max.D())
	case "exponential":
		return addClamped(d.Min.D(), 42*float64(d.Mean))
	case "lognormal":
		s := d.sampler()
		return addClamped(d.Min.D(), min(exp(s.mu+float64(9*s.sigma)), float64(LognormalCap)))
	}
	return d.Min.D()
}

// Expected returns the distribution's mean: what a long run of draws averages,
// saturating at the largest time.Duration. For lognormal that is Min plus Mean less
// what the cap at LognormalCap takes off the draws above it: nothing (Min+Mean,
// exactly) unless the tail reaches about an hour, but a mean of 2h with sigma 0.25
// draws 59m59s on average, and a mean of 30m with sigma 1.5 18m22s.
func (d Dist) Expected() time.Duration {
	switch d.Kind {
	case "uniform":
		return d.Min.D() + (d.Max.D()-d.Min.D())/2
	case "exponential":
		return addClamped(d.Min.D(), float64(d.Mean))
	case "lognormal":
		s := d.sampler()
		return addClamped(d.Min.D(), s.cappedMean(float64(d.Mean)))
	}
	return d.Min.D()
}

// LognormalCap is where a lognormal draw's random part stops: a draw of
// Dist{Kind: "lognormal"} is at most Min plus an hour. It bounds High, and with it
// the time a run waits for the world to settle, however long the tail.
const LognormalCap = time.Hour

// cappedMean is the mean of a lognormal draw as sample makes it, min(X, c) for X =
// e^N(mu, sigma²) of mean mean and c = LognormalCap: with a = (ln c - mu)/sigma and
// Q the standard normal tail (normalTail),
//
//	E[min(X, c)] = E[X; X < c] + c·P(X >= c) = mean·Q(sigma - a) + c·Q(a),
//
// a sum of two positive terms. It is rounded to a whole nanosecond, so that when
// the cap takes off less than half of one the result is mean itself.
func (s *sampler) cappedMean(mean float64) float64 {
	const c = float64(LognormalCap)
	switch {
	case s.mu != s.mu:
		return c // an invalid mean: every draw is NaN, which sample takes for c
	case s.mu == math.Inf(-1):
		return 0 // sigma² overflowed: every draw is e^-Inf, 0
	}
	a := (log(c) - s.mu) / s.sigma
	m := float64(mean*normalTail(s.sigma-a)) + float64(c*normalTail(a))
	if m != m { // an invalid sigma of 0 at mu = ln c: every draw is c
		return c
	}
	return math.Round(m)
}

// Sampler is a Dist prepared once for drawing: its Sample draws exactly what the
// Dist's own Sample draws from the same stream, without preparing the Dist again on
// every draw. The zero Sampler always returns 0.
type Sampler struct{ s sampler }

// Prepare returns d prepared for drawing.
func (d Dist) Prepare() Sampler { return Sampler{d.sampler()} }

// Sample draws one duration from r, as Dist.Sample does.
func (s *Sampler) Sample(r *rand.Rand) time.Duration { return s.s.sample(r) }

// distKind is Dist.Kind as a number, for a switch without string comparisons.
type distKind uint8

const (
	distConstant distKind = iota // also any unknown kind: Sample returns Min
	distUniform
	distExponential
	distLognormal
)

// sampler is a Dist prepared for drawing: its kind as a number and what Sample
// would compute from the fields on every draw (the lognormal's mu above all, a
// logarithm) computed once. It draws exactly what Dist.Sample draws, from the same
// numbers of the stream, because Sample is a sampler too.
type sampler struct {
	kind     distKind
	spanning bool // uniform with Max > Min: draw; otherwise return min
	// roomy says that min is more than LognormalCap below MaxInt64, so that a
	// lognormal draw, at most that, needs no clamping; room is float64(MaxInt64-min),
	// what a draw added to min may stay below (addClamped). (The flags come first,
	// packed together: every link holds a sampler.)
	roomy bool
	min   time.Duration
	span  uint64  // uniform: Max-Min+1, the number of values
	mean  float64 // exponential: Mean
	mu    float64 // lognormal: chosen so that the mean of exp(N(mu, sigma^2)) is Mean
	sigma float64 // lognormal: Sigma
	room  float64
}

// sampler prepares d for drawing.
func (d Dist) sampler() sampler {
	const top = time.Duration(math.MaxInt64)
	s := sampler{min: d.Min.D()}
	s.room = float64(top - s.min)
	s.roomy = s.min < top-LognormalCap
	switch d.Kind {
	case "uniform":
		s.kind = distUniform
		if d.Max > d.Min {
			s.spanning = true
			// Uint64N draws exactly what Int64N would, and also takes the span of every
			// duration, where Max-Min+1 overflows an int64.
			s.span = uint64(d.Max-d.Min) + 1
		}
	case "exponential":
		s.kind = distExponential
		s.mean = float64(d.Mean)
	case "lognormal":
		s.kind = distLognormal
		// Each product is converted (rounded) on its own, here and in sample, so that
		// no platform fuses it into the addition (FMA on arm64): a fused sum rounds
		// once, differently, and the run would depend on the machine.
		s.mu = log(float64(d.Mean)) - float64(d.Sigma*d.Sigma/2)
		s.sigma = d.Sigma
	}
	return s
}

// sample draws one duration from r (see Dist.Sample).
func (s *sampler) sample(r *rand.Rand) time.Duration {
	switch s.kind {
	case distUniform:
		if s.spanning {
			return s.min + time.Duration(r.Uint64N(s.span))
		}
	case distExponential:
		return s.add(r.ExpFloat64() * s.mean)
	case distLognormal:
		v := exp(s.mu + float64(s.sigma*r.NormFloat64()))
		if !(v <= float64(LognormalCap)) { // also catches NaN
			v = float64(LognormalCap)
		}
		if s.roomy {
			// addClamped(s.min, v) with v <= LognormalCap < MaxInt64-min: no clamping.
			return s.min + time.Duration(v)
		}
		return s.add(v)
	}
	return s.min
}

// add is addClamped(s.min, v), with MaxInt64-min converted once (room).
func (s *sampler) add(v float64) time.Duration {
	const top = time.Duration(math.MaxInt64)
	if !(v < s.room) {
		return top
	}
	d := s.min + time.Duration(v)
	if d < s.min { // room rounded up past the room left
		return top
	}
	return d
}

// addClamped returns min+v for v >= 0, saturating at the largest time.Duration.
func addClamped(min time.Duration, v float64) time.Duration {
	const top = time.Duration(math.MaxInt64)
	if !(v < float64(top-min)) {
		return top
	}
	s := min + time.Duration(v)
	if s < min { // float64(top-min) rounded up past the room left
		return top
	}
	return s
}
