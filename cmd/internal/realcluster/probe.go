package realcluster

import (
	"context"
	"slices"
	"sync"
	"time"
)

// LatenessProbe measures this process's scheduling delay: a goroutine waits, again
// and again, for a context to expire after interval, as a caller waits for its
// deadline, and records how late it wakes. Under load that delay is what a call may
// overrun its deadline by in the caller's process, whatever the router does: the
// context's timer must fire, and the waiting goroutine must then be scheduled, before
// the deadline is even noticed.
type LatenessProbe struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	late []time.Duration
}

// ProbeLateness starts a probe.
func ProbeLateness(interval time.Duration) *LatenessProbe {
	p := &LatenessProbe{stop: make(chan struct{})}
	p.wg.Go(func() {
		for {
			due := time.Now().Add(interval)
			ctx, cancel := context.WithDeadline(context.Background(), due)
			select {
			case <-ctx.Done():
				cancel()
			case <-p.stop:
				cancel()
				return
			}
			late := max(time.Since(due), 0)
			p.mu.Lock()
			p.late = append(p.late, late)
			p.mu.Unlock()
		}
	})
	return p
}

// Lateness is what a probe saw: how many wake-ups, and how late they were.
type Lateness struct {
	Samples        int
	P99, P999, Max time.Duration
}

// Stop ends the probe and returns what it saw.
func (p *LatenessProbe) Stop() Lateness {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	l := Lateness{Samples: len(p.late)}
	if l.Samples == 0 {
		return l
	}
	s := append([]time.Duration{}, p.late...)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(int(q*float64(len(s))), len(s)-1)] }
	l.P99, l.P999, l.Max = at(0.99), at(0.999), s[len(s)-1]
	return l
}
