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
		{name: "no latency", l: netmodel.Link{}, want: `l.latency.dist: missing (the key is required)`},
		{name: "negative drop", l: netmodel.Link{Latency: ok, Drop: -0.1}, want: "l.drop: -0.1 is not a probability in [0, 1]"},
		{name: "drop above one", l: netmodel.Link{Latency: ok, Drop: 1.5}, want: "l.drop: 1.5 is not a probability"},
		{name: "NaN drop", l: netmodel.Link{Latency: ok, Drop: math.NaN()}, want: "l.drop: NaN is not a probability"},
		{name: "dup and reorder", l: netmodel.Link{Latency: ok, Dup: 1, Reorder: 0.25}},
		{name: "negative dup", l: netmodel.Link{Latency: ok, Dup: -0.5}, want: "l.dup: -0.5 is not a probability in [0, 1]"},
		{name: "NaN dup", l: netmodel.Link{Latency: ok, Dup: math.NaN()}, want: "l.dup: NaN is not a probability"},
		{name: "reorder above one", l: netmodel.Link{Latency: ok, Reorder: 1.01}, want: "l.reorder: 1.01 is not a probability in [0, 1]"},
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

// TestLinkDup: Dup 1 hands every message over twice, Dup 0 never duplicates. The copy
// is not a new send.
func TestLinkDup(t *testing.T) {
	const sends = 50
	cases := []struct {
		name   string
		dup    float64
		copies int // per message
	}{
		{name: "never", dup: 0, copies: 1},
		{name: "always", dup: 1, copies: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, time.Millisecond, 0)
			cfg.Link.Dup = tc.dup
			w, n := newNet(t, 5, cfg)
			a, _ := addHost(t, n, "a")
			_, rb := addHost(t, n, "b")
			for i := range sends {
				mustSend(t, a.Transport(), "b", msg(router.KindReply, uint64(i)))
			}
			w.Run()
			var want []got
			for i := range sends {
				for range tc.copies {
					// Constant latency: both copies arrive 1ms after the send.
					want = append(want, got{At: time.Millisecond, Kind: router.KindReply, Tag: uint64(i), Arrived: time.Millisecond})
				}
			}
			byTag := slices.Clone(rb.got)
			slices.SortStableFunc(byTag, func(x, y got) int { return int(x.Tag) - int(y.Tag) })
			if diff := cmp.Diff(want, byTag); diff != "" {
				t.Errorf("deliveries (-want +got):\n%s", diff)
			}
			wantStats := netmodel.Stats{Sent: sends, Handed: uint64(sends * tc.copies), Duplicated: uint64(sends * (tc.copies - 1))}
			if diff := cmp.Diff(wantStats, n.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLinkDupOwnLatency: the copy draws its own latency and ignores FIFO order: over a
// spread-out latency a copy overtakes an earlier message for some seeds, while the
// originals never leave FIFO order. The copy is handed under the original's id; the
// trace's "dup" record says when the copy arrives, which tells the two apart.
func TestLinkDupOwnLatency(t *testing.T) {
	lat := netmodel.Dist{Kind: "uniform", Min: dur(time.Millisecond), Max: dur(10 * time.Millisecond)}
	shuffled := 0
	for seed := range uint64(10) {
		cfg := netmodel.Config{Routers: 1, Service: netmodel.Const(0), Link: netmodel.Link{Latency: lat, Dup: 1}}
		w, n := newTracedNet(t, seed, cfg)
		a, _ := addHost(t, n, "a")
		addHost(t, n, "b")
		for i := range 10 {
			mustSend(t, a.Transport(), "b", msg(router.KindGossip, uint64(i)))
		}
		w.Run()
		copyAt := map[int64]time.Duration{}   // msg id -> when its copy arrives
		handed := map[int64][]time.Duration{} // msg id -> when it was handed over
		for _, r := range w.Trace() {
			switch r.Kind {
			case "dup":
				copyAt[r.Attrs[0].Int] = time.Duration(r.Attrs[1].Int)
			case "handed":
				handed[r.Attrs[0].Int] = append(handed[r.Attrs[0].Int], r.At)
			}
		}
		var originals, copies []time.Duration
		for id := int64(1); id <= 10; id++ {
			times := handed[id]
			if len(times) != 2 {
				t.Fatalf("seed %d: message %d handed at %v, want twice", seed, id, times)
			}
			c := copyAt[id]
			switch c {
			case times[0]:
				originals = append(originals, times[1])
			case times[1]:
				originals = append(originals, times[0])
			default:
				t.Fatalf("seed %d: message %d handed at %v, neither is its copy's time %v", seed, id, times, c)
			}
			copies = append(copies, c)
		}
		if !slices.IsSorted(originals) {
			t.Errorf("seed %d: originals arrived at %v: out of FIFO order", seed, originals)
		}
		// Ignoring FIFO order, a copy may overtake what was sent before its original.
		for j := range copies {
			if j > 0 && copies[j] < originals[j-1] {
				shuffled++
				break
			}
		}
	}
	if shuffled == 0 {
		t.Errorf("no copy overtook an earlier message in 10 seeds: copies should ignore FIFO order")
	}
	// On an unordered link the original arrives after its own latency too: a copy that
	// reused that latency would arrive with it every time.
	cfg := netmodel.Config{Routers: 1, Service: netmodel.Const(0), Link: netmodel.Link{Latency: lat, Dup: 1, Unordered: true}}
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	for i := range 10 {
		mustSend(t, a.Transport(), "b", msg(router.KindGossip, uint64(i)))
	}
	w.Run()
	at := map[uint64][]time.Duration{}
	for _, g := range rb.got {
		at[g.Tag] = append(at[g.Tag], g.At)
	}
	apart := 0
	for tag, times := range at {
		if len(times) != 2 {
			t.Fatalf("message %d handed %d times, want 2", tag, len(times))
		}
		if times[0] != times[1] {
			apart++
		}
	}
	if apart == 0 {
		t.Errorf("every copy arrived with its original over a 1-10ms latency: it reuses the original's latency")
	}
}

// TestLinkReorder: a message that draws Reorder neither waits behind an earlier,
// slower message on a FIFO link nor holds a later one back. Message 1 goes while the
// link takes 60ms; message 2, sent next over a 10ms link, arrives after its own 10ms
// only when reordering.
func TestLinkReorder(t *testing.T) {
	cases := []struct {
		name    string
		reorder float64
		want    []got
	}{
		{name: "fifo", reorder: 0, want: []got{
			{At: 60 * time.Millisecond, Kind: router.KindReply, Tag: 1, Arrived: 60 * time.Millisecond},
			{At: 60 * time.Millisecond, Kind: router.KindReply, Tag: 2, Arrived: 60 * time.Millisecond},
		}},
		{name: "reorder", reorder: 1, want: []got{
			{At: 10 * time.Millisecond, Kind: router.KindReply, Tag: 2, Arrived: 10 * time.Millisecond},
			{At: 60 * time.Millisecond, Kind: router.KindReply, Tag: 1, Arrived: 60 * time.Millisecond},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, 10*time.Millisecond, 0)
			cfg.Link.Reorder = tc.reorder
			w, n := newNet(t, 1, cfg)
			a, _ := addHost(t, n, "a")
			_, rb := addHost(t, n, "b")
			slow, fast := cfg.Link, cfg.Link
			slow.Latency = netmodel.Const(60 * time.Millisecond)
			if err := n.SetLink("a", "b", slow); err != nil {
				t.Fatal(err)
			}
			mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
			if err := n.SetLink("a", "b", fast); err != nil {
				t.Fatal(err)
			}
			mustSend(t, a.Transport(), "b", msg(router.KindReply, 2))
			w.Run()
			if diff := cmp.Diff(tc.want, rb.got); diff != "" {
				t.Errorf("deliveries (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLinkReorderDist: with Reorder 1 on a FIFO link, later messages overtake earlier
// ones for some seeds; with Reorder 0 the same sends never do.
func TestLinkReorderDist(t *testing.T) {
	lat := netmodel.Dist{Kind: "exponential", Min: dur(time.Millisecond), Mean: dur(5 * time.Millisecond)}
	run := func(seed uint64, reorder float64) []uint64 {
		cfg := netmodel.Config{Routers: 1, Service: netmodel.Const(0), Link: netmodel.Link{Latency: lat, Reorder: reorder}}
		w, n := newNet(t, seed, cfg)
		a, _ := addHost(t, n, "a")
		_, rb := addHost(t, n, "b")
		for i := range 10 {
			at(w, time.Duration(i)*500*time.Microsecond, func() { mustSend(t, a.Transport(), "b", msg(router.KindGossip, uint64(i))) })
		}
		w.Run()
		return rb.tags()
	}
	reordered := 0
	for seed := range uint64(20) {
		if got := run(seed, 0); !slices.IsSorted(got) || len(got) != 10 {
			t.Errorf("seed %d: Reorder 0 delivered %v, want 0..9 in order", seed, got)
		}
		got := run(seed, 1)
		if len(got) != 10 {
			t.Errorf("seed %d: Reorder 1 delivered %d messages, want 10", seed, len(got))
		}
		if !slices.IsSorted(got) {
			reordered++
		}
	}
	if reordered == 0 {
		t.Errorf("Reorder 1 never let a message overtake in 20 seeds")
	}
}
