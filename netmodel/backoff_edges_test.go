package netmodel_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestBackoffPastTheLimitRefused: New refuses a BackoffMax past MaxBackoff, naming
// the field, as the production transport does. One near the largest time.Duration
// was taken, and its jitter and doubling overflowed: a noticed outage then drew its
// redial in the past, or panicked in the "reconnect" stream's Int64N.
func TestBackoffPastTheLimitRefused(t *testing.T) {
	for _, b := range []time.Duration{netmodel.MaxBackoff + 1, math.MaxInt64 / 2, math.MaxInt64} {
		cfg := config(1, ms, 0)
		cfg.DetectAfter = ms
		cfg.BackoffMin, cfg.BackoffMax = b, b
		_, err := netmodel.New(sim.New(sim.Config{}), cfg)
		want := fmt.Sprintf("netmodel: bad config: backoff_max: %v, past the limit of 1h0m0s", b)
		if err != nil {
			if !errors.Is(err, netmodel.ErrBadConfig) || err.Error() != want {
				t.Errorf("backoff %v: New = %v, want %q wrapping ErrBadConfig", b, err, want)
			}
			continue
		}
		t.Errorf("backoff %v: New = nil error, want %q; then %s", b, want, noticedOutage(cfg))
	}
}

// noticedOutage runs a cut of a from b noticed and healed at 10ms on seeds 0 to 19
// and tells what became of the link's redial.
func noticedOutage(cfg netmodel.Config) string {
	for seed := uint64(0); seed < 20; seed++ {
		if what := func() (what string) {
			defer func() {
				if p := recover(); p != nil {
					what = fmt.Sprintf("seed %d panicked: %v", seed, p)
				}
			}()
			w := sim.New(sim.Config{Seed: seed})
			n, err := netmodel.New(w, cfg)
			if err != nil {
				return err.Error()
			}
			n.AddHost("a")
			n.AddHost("b")
			n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
			w.RunUntil(10 * ms)
			n.Heal()
			return ""
		}(); what != "" {
			return what
		}
	}
	return "no seed of 20 panicked"
}

// TestBackoffAtTheLimit: a network whose backoff is MaxBackoff redials a noticed
// outage of days at an attempt within a backoff and its jitter of the heal, never
// before it, on every seed.
func TestBackoffAtTheLimit(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		cfg := config(1, ms, 0)
		cfg.DetectAfter = ms
		cfg.BackoffMin, cfg.BackoffMax = netmodel.MaxBackoff, netmodel.MaxBackoff
		w, n := newTracedNet(t, seed, cfg)
		a, _ := addHost(t, n, "a")
		addHost(t, n, "b")
		n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop)
		heal := 72 * time.Hour
		w.RunUntil(heal)
		n.Heal()
		back := reconnectAt(t, w, "a", "b")
		if back < heal || back > heal+netmodel.MaxBackoff*5/4 {
			t.Fatalf("seed %d: healed at %v, reconnects at %v: want within a backoff and its jitter (%v) after", seed, heal, back, netmodel.MaxBackoff*5/4)
		}
		if err := a.Transport().Send("b", ptr(msg(router.KindGossip, 1))); back > heal && !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("seed %d: Send right after the heal = %v, want ErrUnreachable until %v", seed, err, back)
		}
		w.RunUntil(back)
		if err := a.Transport().Send("b", ptr(msg(router.KindGossip, 2))); err != nil {
			t.Fatalf("seed %d: Send at the reconnect (%v) = %v, want nil", seed, back, err)
		}
	}
}
