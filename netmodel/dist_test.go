package netmodel_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/sim"
)

func dur(d time.Duration) netmodel.Duration { return netmodel.Duration(d) }

// TestDistValidate: every bad distribution is refused with a message that starts with
// the bad field's name, and matches ErrBadConfig; good ones pass.
func TestDistValidate(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name string
		d    netmodel.Dist
		want string // prefix of the error; "" for valid
	}{
		{name: "constant", d: netmodel.Const(ms)},
		{name: "constant zero", d: netmodel.Const(0)},
		{name: "uniform", d: netmodel.Dist{Kind: "uniform", Min: dur(ms), Max: dur(2 * ms)}},
		{name: "uniform max equals min", d: netmodel.Dist{Kind: "uniform", Min: dur(ms), Max: dur(ms)}},
		{name: "exponential", d: netmodel.Dist{Kind: "exponential", Mean: dur(ms)}},
		{name: "lognormal", d: netmodel.Dist{Kind: "lognormal", Mean: dur(ms), Sigma: 0.5}},
		{name: "negative min", d: netmodel.Dist{Kind: "constant", Min: dur(-ms)}, want: "lat.min: -1ms is negative"},
		{name: "negative max", d: netmodel.Dist{Kind: "uniform", Max: dur(-ms)}, want: "lat.max: -1ms is negative"},
		{name: "negative mean", d: netmodel.Dist{Kind: "exponential", Mean: dur(-ms)}, want: "lat.mean: -1ms is negative"},
		{name: "negative sigma", d: netmodel.Dist{Kind: "lognormal", Mean: dur(ms), Sigma: -1}, want: "lat.sigma: -1 is negative"},
		{name: "NaN sigma", d: netmodel.Dist{Kind: "lognormal", Mean: dur(ms), Sigma: math.NaN()}, want: "lat.sigma: NaN is not finite"},
		{name: "infinite sigma", d: netmodel.Dist{Kind: "lognormal", Mean: dur(ms), Sigma: math.Inf(1)}, want: "lat.sigma: +Inf is not finite"},
		{name: "uniform max below min", d: netmodel.Dist{Kind: "uniform", Min: dur(2 * ms), Max: dur(ms)}, want: "lat.max: 1ms is below min 2ms"},
		{name: "unknown kind", d: netmodel.Dist{Kind: "gaussian", Min: dur(ms)}, want: `lat.dist: "gaussian" is unknown`},
		{name: "no kind", d: netmodel.Dist{Min: dur(ms)}, want: `lat.dist: missing (the key is required)`},
		{name: "exponential without mean", d: netmodel.Dist{Kind: "exponential", Min: dur(ms)}, want: "lat.mean: exponential needs a positive mean"},
		{name: "lognormal without sigma", d: netmodel.Dist{Kind: "lognormal", Mean: dur(ms)}, want: "lat.sigma: lognormal needs a positive sigma"},
		{name: "lognormal without mean", d: netmodel.Dist{Kind: "lognormal", Sigma: 1}, want: "lat.mean: lognormal needs a positive mean"},
		// A field the kind would ignore: the draw would not be what was written.
		{name: "constant with a mean", d: netmodel.Dist{Kind: "constant", Mean: dur(80 * ms)}, want: "lat.mean: constant does not use mean (it takes min)"},
		{name: "constant with a max", d: netmodel.Dist{Kind: "constant", Min: dur(ms), Max: dur(2 * ms)}, want: "lat.max: constant does not use max"},
		{name: "uniform with a mean", d: netmodel.Dist{Kind: "uniform", Mean: dur(ms)}, want: "lat.mean: uniform does not use mean (it takes min and max)"},
		{name: "exponential with a max", d: netmodel.Dist{Kind: "exponential", Mean: dur(80 * ms), Max: dur(ms)}, want: "lat.max: exponential does not use max (it takes min and mean)"},
		{name: "exponential with a sigma", d: netmodel.Dist{Kind: "exponential", Mean: dur(ms), Sigma: 1}, want: "lat.sigma: exponential does not use sigma"},
		{name: "lognormal with a max", d: netmodel.Dist{Kind: "lognormal", Mean: dur(ms), Sigma: 1, Max: dur(ms)}, want: "lat.max: lognormal does not use max (it takes min, mean and sigma)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Validate("lat")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", tc.d, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error starting %q", tc.d, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Validate(%+v) = %q, want it to start with %q", tc.d, err, tc.want)
			}
			if !errors.Is(err, netmodel.ErrBadConfig) {
				t.Errorf("Validate(%+v) = %v, does not match ErrBadConfig", tc.d, err)
			}
		})
	}
}

// drawDist draws a valid distribution of any kind, reaching the largest durations.
func drawDist(t *rapid.T) netmodel.Dist {
	d := netmodel.Dist{Kind: rapid.SampledFrom([]string{"constant", "uniform", "exponential", "lognormal"}).Draw(t, "kind")}
	d.Min = netmodel.Duration(rapid.Int64Range(0, math.MaxInt64).Draw(t, "min"))
	switch d.Kind {
	case "uniform":
		d.Max = netmodel.Duration(rapid.Int64Range(int64(d.Min), math.MaxInt64).Draw(t, "max"))
	case "exponential":
		d.Mean = netmodel.Duration(rapid.Int64Range(1, math.MaxInt64).Draw(t, "mean"))
	case "lognormal":
		d.Mean = netmodel.Duration(rapid.Int64Range(1, math.MaxInt64).Draw(t, "mean"))
		d.Sigma = rapid.Float64Range(1e-9, 1e200).Draw(t, "sigma")
	}
	return d
}

// TestDistSampleBounds: whatever valid distribution, a sample is never below Min (not
// even when Min plus the random part would overflow), and a uniform one never above Max.
func TestDistSampleBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := drawDist(t)
		if err := d.Validate("d"); err != nil {
			t.Fatalf("drew an invalid distribution: %v", err)
		}
		r := sim.New(sim.Config{Seed: rapid.Uint64().Draw(t, "seed")}).Stream("net")
		for range 50 {
			s := d.Sample(r)
			if s < d.Min.D() {
				t.Fatalf("Sample = %v, below min %v", s, d.Min.D())
			}
			if d.Kind == "uniform" && s > d.Max.D() {
				t.Fatalf("Sample = %v, above max %v", s, d.Max.D())
			}
			if d.Kind == "constant" && s != d.Min.D() {
				t.Fatalf("constant Sample = %v, want %v", s, d.Min.D())
			}
			if h := d.High(); s > h {
				t.Fatalf("Sample = %v, above High %v", s, h)
			}
		}
	})
}

// TestDistHigh pins High for each kind: the largest draw of a bounded kind, far out
// in the tail (and at most the hour a lognormal draw stops at) of the others.
func TestDistHigh(t *testing.T) {
	for _, tc := range []struct {
		d    netmodel.Dist
		want time.Duration
	}{
		{netmodel.Const(3 * time.Millisecond), 3 * time.Millisecond},
		{netmodel.Dist{Kind: "uniform", Min: dur(time.Millisecond), Max: dur(time.Second)}, time.Second},
		{netmodel.Dist{Kind: "exponential", Min: dur(time.Millisecond), Mean: dur(10 * time.Millisecond)}, 421 * time.Millisecond},
		// mean 1ms, sigma 0.5: exp(mu + 4.5) with mu = ln(1e6) - 0.125
		{netmodel.Dist{Kind: "lognormal", Min: dur(time.Millisecond), Mean: dur(time.Millisecond), Sigma: 0.5},
			time.Millisecond + time.Duration(math.Exp(math.Log(1e6)-0.125+4.5))},
		// sigma 3: past the hour a draw stops at
		{netmodel.Dist{Kind: "lognormal", Min: dur(time.Millisecond), Mean: dur(10 * time.Millisecond), Sigma: 3}, time.Hour + time.Millisecond},
		{netmodel.Dist{Kind: "exponential", Min: dur(math.MaxInt64 - 1), Mean: dur(time.Hour)}, math.MaxInt64},
	} {
		if got := tc.d.High(); got != tc.want {
			t.Errorf("%+v: High = %v, want %v", tc.d, got, tc.want)
		}
	}
}

// TestDistExpected pins Expected for each kind, and checks it against the mean of
// many draws.
func TestDistExpected(t *testing.T) {
	for _, tc := range []struct {
		d    netmodel.Dist
		want time.Duration
	}{
		{netmodel.Const(3 * time.Millisecond), 3 * time.Millisecond},
		{netmodel.Dist{Kind: "uniform", Min: dur(time.Millisecond), Max: dur(3 * time.Millisecond)}, 2 * time.Millisecond},
		{netmodel.Dist{Kind: "exponential", Min: dur(time.Millisecond), Mean: dur(10 * time.Millisecond)}, 11 * time.Millisecond},
		{netmodel.Dist{Kind: "lognormal", Min: dur(time.Millisecond), Mean: dur(time.Millisecond), Sigma: 0.5}, 2 * time.Millisecond},
		{netmodel.Dist{Kind: "exponential", Min: dur(math.MaxInt64 - 1), Mean: dur(time.Hour)}, math.MaxInt64},
	} {
		got := tc.d.Expected()
		if got != tc.want {
			t.Errorf("%+v: Expected = %v, want %v", tc.d, got, tc.want)
		}
		if tc.want == math.MaxInt64 {
			continue
		}
		r := sim.New(sim.Config{Seed: 1}).Stream("net")
		const n = 200000
		var sum float64
		for range n {
			sum += float64(tc.d.Sample(r))
		}
		if mean := sum / n; math.Abs(mean-float64(got)) > 0.02*float64(got) {
			t.Errorf("%+v: draws average %v, Expected %v", tc.d, time.Duration(mean), got)
		}
	}
}

// TestDistLognormalCap: a lognormal draw's random part stops at LognormalCap, and
// Expected and High say so: Expected is what the draws average (a mean of 2h used
// to give an Expected of 2h, above High, while no draw passed 1h), High is at
// least Expected, and no draw passes High. Where the cap cuts off less than half a
// nanosecond on average, Expected is still Min+Mean exactly, as for the named
// scenarios' latencies.
func TestDistLognormalCap(t *testing.T) {
	ms, top := time.Millisecond, time.Duration(math.MaxInt64)
	for _, tc := range []struct {
		d    netmodel.Dist
		want time.Duration // Expected
	}{
		{netmodel.Dist{Kind: "lognormal", Mean: dur(2 * time.Hour), Sigma: 0.25}, 3598945305781},           // 59m58.95s
		{netmodel.Dist{Kind: "lognormal", Mean: dur(30 * time.Minute), Sigma: 1.5}, 1101934344967},         // 18m21.93s
		{netmodel.Dist{Kind: "lognormal", Min: dur(ms), Mean: dur(time.Hour), Sigma: 1e-9}, 3600000998564}, // half the draws cut, by about 1e-9 of an hour
		{netmodel.Dist{Kind: "lognormal", Min: dur(ms), Mean: dur(10 * ms), Sigma: 3}, 10986237},           // 14µs of the mean lies past an hour
		{netmodel.Dist{Kind: "lognormal", Mean: dur(top), Sigma: 0.5}, time.Hour},
		{netmodel.Dist{Kind: "lognormal", Min: dur(top - 30*time.Minute), Mean: dur(2 * time.Hour), Sigma: 0.25}, top},
		// The named scenarios' shapes: nothing to cut.
		{netmodel.Dist{Kind: "lognormal", Min: dur(100 * time.Microsecond), Mean: dur(250 * time.Microsecond), Sigma: 0.6}, 350 * time.Microsecond},
		{netmodel.Dist{Kind: "lognormal", Min: dur(400 * time.Microsecond), Mean: dur(6 * ms), Sigma: 0.8}, 6400 * time.Microsecond},
		{netmodel.Dist{Kind: "lognormal", Mean: dur(20 * ms), Sigma: 1.5}, 20 * ms},
	} {
		if err := tc.d.Validate("d"); err != nil {
			t.Fatal(err)
		}
		exp, high := tc.d.Expected(), tc.d.High()
		if exp != tc.want {
			t.Errorf("%+v: Expected = %v, want %v", tc.d, exp, tc.want)
		}
		if exp > high {
			t.Errorf("%+v: Expected %v is above High %v", tc.d, exp, high)
		}
		r := sim.New(sim.Config{Seed: 3}).Stream("net")
		const n = 100_000
		var sum float64
		for range n {
			s := tc.d.Sample(r)
			if s > high || s-tc.d.Min.D() > netmodel.LognormalCap {
				t.Fatalf("%+v: drew %v, above High %v or past the cap", tc.d, s, high)
			}
			sum += float64(s - tc.d.Min.D())
		}
		// The sigma-3 tail is too heavy for 100,000 draws to average.
		if mean := sum / n; tc.d.Sigma < 3 && math.Abs(mean-float64(exp-tc.d.Min.D())) > 0.01*float64(exp-tc.d.Min.D()) {
			t.Errorf("%+v: draws average Min+%v, Expected Min+%v", tc.d, time.Duration(mean), exp-tc.d.Min.D())
		}
	}
}

// TestDistSampleExtremes pins the edges a property run might miss: the full uniform
// range, and tails that would overflow past the largest duration.
func TestDistSampleExtremes(t *testing.T) {
	const max = time.Duration(math.MaxInt64)
	cases := []struct {
		name string
		d    netmodel.Dist
	}{
		{name: "uniform over every duration", d: netmodel.Dist{Kind: "uniform", Min: 0, Max: dur(max)}},
		{name: "uniform at the top", d: netmodel.Dist{Kind: "uniform", Min: dur(max - 1), Max: dur(max)}},
		{name: "exponential past the top", d: netmodel.Dist{Kind: "exponential", Min: dur(max - time.Second), Mean: dur(time.Hour)}},
		{name: "exponential with the largest mean", d: netmodel.Dist{Kind: "exponential", Min: dur(time.Second), Mean: dur(max)}},
		{name: "lognormal past the top", d: netmodel.Dist{Kind: "lognormal", Min: dur(max - time.Second), Mean: dur(time.Hour), Sigma: 1}},
		{name: "lognormal with a huge sigma", d: netmodel.Dist{Kind: "lognormal", Min: dur(time.Second), Mean: dur(time.Millisecond), Sigma: 1e200}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.d.Validate("d"); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			r := sim.New(sim.Config{Seed: 1}).Stream("net")
			for i := range 1000 {
				s := tc.d.Sample(r)
				if s < tc.d.Min.D() {
					t.Fatalf("draw %d: Sample = %v, below min %v", i, s, tc.d.Min.D())
				}
				if tc.d.Kind == "uniform" && s > tc.d.Max.D() {
					t.Fatalf("draw %d: Sample = %v, above max %v", i, s, tc.d.Max.D())
				}
			}
		})
	}
}

// TestDistUniformEnds: a uniform distribution reaches both of its ends, and nothing
// outside them.
func TestDistUniformEnds(t *testing.T) {
	d := netmodel.Dist{Kind: "uniform", Min: 5, Max: 8}
	r := sim.New(sim.Config{Seed: 1}).Stream("net")
	seen := map[time.Duration]int{}
	for range 1000 {
		seen[d.Sample(r)]++
	}
	var got []time.Duration
	for v := range seen {
		got = append(got, v)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]time.Duration{5, 6, 7, 8}, got); diff != "" {
		t.Errorf("values drawn (-want +got):\n%s", diff)
	}
}

// TestDistSampleMean: over many draws from a fixed-seed stream, the sample mean is
// Min+Mean for the random kinds ((Min+Max)/2 for uniform) within 2%. The stream is
// fixed, so the test is deterministic; a wrong shape (say, a lognormal whose mu ignores
// sigma, off by e^(sigma²/2)) is far outside the tolerance.
func TestDistSampleMean(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name string
		d    netmodel.Dist
		want time.Duration
	}{
		{name: "uniform", d: netmodel.Dist{Kind: "uniform", Min: dur(ms), Max: dur(3 * ms)}, want: 2 * ms},
		{name: "exponential", d: netmodel.Dist{Kind: "exponential", Min: dur(ms), Mean: dur(4 * ms)}, want: 5 * ms},
		{name: "exponential no min", d: netmodel.Dist{Kind: "exponential", Mean: dur(200 * time.Microsecond)}, want: 200 * time.Microsecond},
		{name: "lognormal", d: netmodel.Dist{Kind: "lognormal", Min: dur(100 * time.Microsecond), Mean: dur(ms), Sigma: 0.5}, want: 1100 * time.Microsecond},
		{name: "lognormal long tail", d: netmodel.Dist{Kind: "lognormal", Min: dur(ms), Mean: dur(2 * ms), Sigma: 1}, want: 3 * ms},
	}
	const draws = 200_000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sim.New(sim.Config{Seed: 7}).Stream("net")
			var sum float64
			for range draws {
				sum += float64(tc.d.Sample(r))
			}
			mean := sum / draws
			if rel := math.Abs(mean-float64(tc.want)) / float64(tc.want); rel > 0.02 {
				t.Errorf("mean of %d samples = %v, want %v within 2%% (off by %.1f%%)", draws, time.Duration(mean), tc.want, 100*rel)
			}
		})
	}
}

// TestDurationJSON: durations read and write as quoted text and survive a round trip;
// a bare number is refused with a message that says what to write instead.
func TestDurationJSON(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		cases := []struct {
			name string
			d    netmodel.Duration
			json string
		}{
			{name: "zero", d: 0, json: `"0s"`},
			{name: "micros", d: dur(250 * time.Microsecond), json: `"250µs"`},
			{name: "fraction", d: dur(1500 * time.Millisecond), json: `"1.5s"`},
			{name: "negative", d: dur(-3 * time.Millisecond), json: `"-3ms"`},
			{name: "largest", d: dur(math.MaxInt64), json: `"2562047h47m16.854775807s"`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b, err := json.Marshal(tc.d)
				if err != nil {
					t.Fatalf("Marshal: %v", err)
				}
				if diff := cmp.Diff(tc.json, string(b)); diff != "" {
					t.Errorf("Marshal (-want +got):\n%s", diff)
				}
				var back netmodel.Duration
				if err := json.Unmarshal(b, &back); err != nil {
					t.Fatalf("Unmarshal(%s): %v", b, err)
				}
				if diff := cmp.Diff(tc.d, back); diff != "" {
					t.Errorf("round trip (-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("dist", func(t *testing.T) {
		in := netmodel.Dist{Kind: "lognormal", Min: dur(100 * time.Microsecond), Mean: dur(2 * time.Millisecond), Sigma: 0.75}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if diff := cmp.Diff(`{"dist":"lognormal","min":"100µs","mean":"2ms","sigma":0.75}`, string(b)); diff != "" {
			t.Errorf("Marshal (-want +got):\n%s", diff)
		}
		var out netmodel.Dist
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if diff := cmp.Diff(in, out); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	})
	t.Run("null leaves the value", func(t *testing.T) {
		d := dur(time.Second)
		if err := json.Unmarshal([]byte(`null`), &d); err != nil {
			t.Fatalf("Unmarshal(null): %v", err)
		}
		if d != dur(time.Second) {
			t.Errorf("Unmarshal(null) changed the value to %v", d.D())
		}
	})
	bad := []struct {
		name string
		json string
		want string
	}{
		{name: "bare number", json: `{"dist":"constant","min":250}`, want: "cannot unmarshal number 250 into Go struct field Dist.min of type netmodel.Duration"},
		{name: "bare zero", json: `{"dist":"constant","min":0}`, want: "cannot unmarshal number 0 into Go struct field Dist.min"},
		{name: "no unit", json: `{"dist":"constant","min":"250"}`, want: `duration "250": want a number with a unit, like 250us or 1.5s`},
		{name: "garbage", json: `{"dist":"constant","min":"soon"}`, want: `duration "soon": want a number with a unit`},
		{name: "overflow", json: `{"dist":"constant","min":"10000000000h"}`, want: `duration "10000000000h": out of range, longer than 2562047h47m16.854775807s either way`},
		{name: "overflow in parts", json: `{"dist":"constant","min":"2562047h48m"}`, want: `duration "2562047h48m": out of range`},
		{name: "negative overflow", json: `{"dist":"constant","min":"-10000000000h"}`, want: `duration "-10000000000h": out of range`},
		{name: "two signs", json: `{"dist":"constant","min":"--5s"}`, want: `duration "--5s": want a number with a unit`},
		{name: "two signs, the other way", json: `{"dist":"constant","min":"+-5s"}`, want: `duration "+-5s": want a number with a unit`},
		{name: "two points", json: `{"dist":"constant","min":"1.5.5h"}`, want: `duration "1.5.5h": want a number with a unit`},
		{name: "a unit alone", json: `{"dist":"constant","min":"h"}`, want: `duration "h": want a number with a unit`},
		{name: "an unknown unit", json: `{"dist":"constant","min":"5d"}`, want: `duration "5d": want a number with a unit`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			var d netmodel.Dist
			err := json.Unmarshal([]byte(tc.json), &d)
			if err == nil {
				t.Fatalf("Unmarshal(%s) = nil error, want one containing %q", tc.json, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Unmarshal(%s) = %q, want it to contain %q", tc.json, err, tc.want)
			}
		})
	}
}
