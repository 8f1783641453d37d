package realcluster

import (
	"context"
	"slices"
	"sort"
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
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []wakeUp // in the order of due, which is also that of due+late
}

// wakeUp is one of the probe's waits: due when it should have woken, late by how much
// it woke after that. The process could not run the probe from due to due+late.
type wakeUp struct {
	due  time.Time
	late time.Duration
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
			p.samples = append(p.samples, wakeUp{due, late})
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

// Stop ends the probe and returns what it saw. During still answers afterwards.
func (p *LatenessProbe) Stop() Lateness {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	l := Lateness{Samples: len(p.samples)}
	if l.Samples == 0 {
		return l
	}
	s := make([]time.Duration, len(p.samples))
	for i, w := range p.samples {
		s[i] = w.late
	}
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(int(q*float64(len(s))), len(s)-1)] }
	l.P99, l.P999, l.Max = at(0.99), at(0.999), s[len(s)-1]
	return l
}

// During returns how long, between from and to, the probe was due to wake and had
// not: the scheduling delay this process suffered in that time, a stall or several.
// A call that ran from from to to may have overrun its deadline that long by this
// process's scheduling alone (load.Excuse).
func (p *LatenessProbe) During(from, to time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := sort.Search(len(p.samples), func(i int) bool { return p.samples[i].due.Add(p.samples[i].late).After(from) })
	var sum time.Duration
	for ; i < len(p.samples) && p.samples[i].due.Before(to); i++ {
		w := p.samples[i]
		start, end := w.due, w.due.Add(w.late)
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		sum += end.Sub(start)
	}
	return sum
}
