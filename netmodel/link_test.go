package netmodel_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestLinkValidate: a bad link is refused naming the field, under the caller's prefix.
func TestLinkValidate(t *testing.T) {
	ok := netmodel.Const(time.Millisecond)
	cases := []struct {
		name string
		l    netmodel.Link
		want string // prefix of the error; "" for valid
	}{
		{name: "default", l: netmodel.Link{Latency: ok}},
		{name: "lossy unordered", l: netmodel.Link{Latency: ok, Drop: 0.5, Unordered: true}},
		{name: "always drops", l: netmodel.Link{Latency: ok, Drop: 1}},
		{name: "bad latency", l: netmodel.Link{Latency: netmodel.Dist{Kind: "constant", Min: dur(-1)}}, want: "l.latency.min: -1ns is negative"},
		{name: "no latency", l: netmodel.Link{}, want: `l.latency.dist: "" is unknown`},
		{name: "negative drop", l: netmodel.Link{Latency: ok, Drop: -0.1}, want: "l.drop: -0.1 is not a probability in [0, 1]"},
		{name: "drop above one", l: netmodel.Link{Latency: ok, Drop: 1.5}, want: "l.drop: 1.5 is not a probability"},
		{name: "NaN drop", l: netmodel.Link{Latency: ok, Drop: math.NaN()}, want: "l.drop: NaN is not a probability"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.l.Validate("l")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error starting %q", err, tc.want)
			}
			if !errors.Is(err, netmodel.ErrBadConfig) {
				t.Errorf("Validate = %v, does not match ErrBadConfig", err)
			}
		})
	}
}

// drawLatency draws a latency distribution wide enough to reorder messages.
func drawLatency(t *rapid.T) netmodel.Dist {
	min := time.Duration(rapid.Int64Range(0, int64(time.Millisecond)).Draw(t, "min"))
	switch rapid.SampledFrom([]string{"uniform", "exponential", "lognormal"}).Draw(t, "kind") {
	case "uniform":
		spread := time.Duration(rapid.Int64Range(0, int64(20*time.Millisecond)).Draw(t, "spread"))
		return netmodel.Dist{Kind: "uniform", Min: dur(min), Max: dur(min + spread)}
	case "exponential":
		mean := time.Duration(rapid.Int64Range(1, int64(10*time.Millisecond)).Draw(t, "mean"))
		return netmodel.Dist{Kind: "exponential", Min: dur(min), Mean: dur(mean)}
	default:
		mean := time.Duration(rapid.Int64Range(1, int64(10*time.Millisecond)).Draw(t, "mean"))
		return netmodel.Dist{Kind: "lognormal", Min: dur(min), Mean: dur(mean), Sigma: rapid.Float64Range(0.1, 2).Draw(t, "sigma")}
	}
}

// TestLinkFIFO: on a link that is not Unordered, messages arrive in the order they
// were sent, whatever the latencies and the gaps between sends.
func TestLinkFIFO(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := netmodel.Config{Routers: 1, Service: netmodel.Const(0), Link: netmodel.Link{Latency: drawLatency(t)}}
		w, n := newNet(t, rapid.Uint64().Draw(t, "seed"), cfg)
		a, _ := addHost(t, n, "a")
		_, rb := addHost(t, n, "b")
		gaps := rapid.SliceOfN(rapid.Int64Range(0, int64(5*time.Millisecond)), 2, 40).Draw(t, "gaps")
		var when time.Duration
		for i, g := range gaps {
			when += time.Duration(g)
			tag := uint64(i + 1)
			at(w, when, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, tag)) })
		}
		w.Run()
		want := make([]uint64, len(gaps))
		for i := range want {
			want[i] = uint64(i + 1)
		}
		if diff := cmp.Diff(want, rb.tags()); diff != "" {
			t.Fatalf("arrival order (-sent +arrived):\n%s", diff)
		}
	})
}

// TestLinkUnordered: the same sends over an Unordered link are overtaken for some
// seeds, and never over the same link left FIFO. Without the second half the first
// could pass on a network that reorders everything.
func TestLinkUnordered(t *testing.T) {
	lat := netmodel.Dist{Kind: "uniform", Min: dur(time.Millisecond), Max: dur(10 * time.Millisecond)}
	run := func(seed uint64, unordered bool) []uint64 {
		cfg := netmodel.Config{Routers: 1, Service: netmodel.Const(0), Link: netmodel.Link{Latency: lat, Unordered: unordered}}
		w, n := newNet(t, seed, cfg)
		a, _ := addHost(t, n, "a")
		_, rb := addHost(t, n, "b")
		for i := range 10 {
			mustSend(t, a.Transport(), "b", msg(router.KindGossip, uint64(i)))
		}
		w.Run()
		return rb.tags()
	}
	reordered := 0
	for seed := range uint64(20) {
		if got := run(seed, false); !slices.IsSorted(got) || len(got) != 10 {
			t.Errorf("seed %d: FIFO link delivered %v, want 0..9 in order", seed, got)
		}
		got := run(seed, true)
		if len(got) != 10 {
			t.Errorf("seed %d: unordered link delivered %d messages, want 10", seed, len(got))
		}
		if !slices.IsSorted(got) {
			reordered++
		}
	}
	if reordered == 0 {
		t.Errorf("an Unordered link never reordered 10 messages in 20 seeds")
	}
}

// TestLinkDrop: Drop 1 loses every message and Drop 0 none; losses are counted.
func TestLinkDrop(t *testing.T) {
	const sends = 1000
	cases := []struct {
		name             string
		drop             float64
		minLost, maxLost uint64
	}{
		{name: "never", drop: 0, minLost: 0, maxLost: 0},
		{name: "always", drop: 1, minLost: sends, maxLost: sends},
		{name: "half", drop: 0.5, minLost: sends * 4 / 10, maxLost: sends * 6 / 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, time.Millisecond, 0)
			cfg.Link.Drop = tc.drop
			w, n := newNet(t, 3, cfg)
			a, _ := addHost(t, n, "a")
			_, rb := addHost(t, n, "b")
			for i := range sends {
				mustSend(t, a.Transport(), "b", msg(router.KindReply, uint64(i)))
			}
			w.Run()
			st := n.Stats()
			if st.Lost < tc.minLost || st.Lost > tc.maxLost {
				t.Errorf("Stats.Lost = %d, want %d..%d", st.Lost, tc.minLost, tc.maxLost)
			}
			if got := uint64(len(rb.got)); got+st.Lost != sends || st.Handed != got || st.Sent != sends {
				t.Errorf("received %d, %+v: want Sent %d = received + Lost, Handed = received", got, st, sends)
			}
		})
	}
}

// TestSetLink: SetLink overrides one direction only; the reverse keeps the default,
// and a bad link is refused without changing anything.
func TestSetLink(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	a, ra := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	if err := n.SetLink("a", "b", netmodel.Link{Latency: netmodel.Const(5 * time.Millisecond)}); err != nil {
		t.Fatalf("SetLink: %v", err)
	}
	err := n.SetLink("a", "b", netmodel.Link{Latency: netmodel.Const(time.Second), Drop: 2})
	if !errors.Is(err, netmodel.ErrBadConfig) || !strings.Contains(err.Error(), "link a->b.drop: 2 is not a probability") {
		t.Errorf("SetLink(drop 2) = %v, want ErrBadConfig naming link a->b.drop", err)
	}
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	mustSend(t, b.Transport(), "a", msg(router.KindReply, 2))
	w.Run()
	want := map[string][]got{
		"a->b": {{At: 5 * time.Millisecond, Kind: router.KindReply, Tag: 1, Arrived: 5 * time.Millisecond}},
		"b->a": {{At: time.Millisecond, Kind: router.KindReply, Tag: 2, Arrived: time.Millisecond}},
	}
	if diff := cmp.Diff(want, map[string][]got{"a->b": rb.got, "b->a": ra.got}); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}
