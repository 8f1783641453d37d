package netmodel

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/sim"
)

// referenceSample is Dist.Sample as it was written before distributions were
// prepared for drawing (sampler): every field read, and the lognormal's mu
// computed, on every draw. A sampler must draw exactly this, or every trace with a
// random latency or service time changes.
func referenceSample(d Dist, r *rand.Rand) time.Duration {
	min := d.Min.D()
	switch d.Kind {
	case "uniform":
		if d.Max > d.Min {
			return min + time.Duration(r.Uint64N(uint64(d.Max-d.Min)+1))
		}
	case "exponential":
		return addClamped(min, r.ExpFloat64()*float64(d.Mean))
	case "lognormal":
		mu := log(float64(d.Mean)) - float64(d.Sigma*d.Sigma/2)
		v := exp(mu + d.Sigma*r.NormFloat64())
		if !(v <= float64(time.Hour)) {
			v = float64(time.Hour)
		}
		return addClamped(min, v)
	}
	return min
}

// TestSamplerMatchesReference: a prepared distribution, reused for many draws as
// links and mailboxes reuse theirs, draws bit for bit what the reference draws
// from an identical stream, for every kind, for realistic and extreme fields, and
// for an unknown kind.
func TestSamplerMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := Dist{Kind: rapid.SampledFrom([]string{"constant", "uniform", "exponential", "lognormal", "bogus"}).Draw(t, "kind")}
		if rapid.Bool().Draw(t, "realistic") {
			d.Min = Duration(rapid.Int64Range(0, int64(time.Millisecond)).Draw(t, "min"))
			d.Max = d.Min + Duration(rapid.Int64Range(0, int64(time.Millisecond)).Draw(t, "span"))
			d.Mean = Duration(rapid.Int64Range(1, int64(10*time.Millisecond)).Draw(t, "mean"))
			d.Sigma = rapid.Float64Range(0.01, 3).Draw(t, "sigma")
		} else {
			d.Min = Duration(rapid.Int64Range(0, math.MaxInt64).Draw(t, "min"))
			d.Max = Duration(rapid.Int64Range(int64(d.Min), math.MaxInt64).Draw(t, "max"))
			d.Mean = Duration(rapid.Int64Range(1, math.MaxInt64).Draw(t, "mean"))
			d.Sigma = rapid.Float64Range(1e-9, 1e200).Draw(t, "sigma")
		}
		seed := rapid.Uint64().Draw(t, "seed")
		got, want := rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 1))
		s := d.Prepare() // what Dist.Sample does on every draw, once
		for i := range 200 {
			if g, w := s.Sample(got), referenceSample(d, want); g != w {
				t.Fatalf("%+v draw %d: sampler drew %d, reference %d", d, i, g, w)
			}
			if g, w := d.Sample(got), referenceSample(d, want); g != w {
				t.Fatalf("%+v draw %d: Sample drew %d, reference %d", d, i, g, w)
			}
		}
	})
}

// TestSetLinkPreparesLatency: a link draws from the latency its Link has, the
// default one until SetLink and the new one after: a prepared sampler left stale
// by SetLink would go on drawing the default latency.
func TestSetLinkPreparesLatency(t *testing.T) {
	def := Link{Latency: Dist{Kind: "uniform", Min: Duration(time.Millisecond), Max: Duration(2 * time.Millisecond)}}
	n, err := New(sim.New(sim.Config{Seed: 1}), Config{Routers: 1, Service: Const(0), Link: def})
	if err != nil {
		t.Fatal(err)
	}
	ls := n.link("a", "b")
	r := rand.New(rand.NewPCG(1, 2))
	if got := ls.latency.sample(r); got < time.Millisecond || got > 2*time.Millisecond {
		t.Fatalf("the default link drew %v, want within [1ms, 2ms]", got)
	}
	slow := Link{Latency: Dist{Kind: "lognormal", Min: Duration(time.Second), Mean: Duration(time.Second), Sigma: 0.5}}
	if err := n.SetLink("a", "b", slow); err != nil {
		t.Fatal(err)
	}
	if got := ls.latency.sample(r); got < time.Second {
		t.Fatalf("after SetLink the link drew %v, want at least the new link's min 1s", got)
	}
}
