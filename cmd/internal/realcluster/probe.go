package realcluster

import (
	"context"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// LatenessProbe measures this process's scheduling delay: goroutines wait, again and
// again, for a context to expire after interval, as a caller waits for its deadline,
// and record how late they wake. Under load that delay is what a call may overrun its
// deadline by in the caller's process, whatever the router does: the context's timer
// must fire, and the waiting goroutine must then be scheduled, before the deadline is
// even noticed.
//
// One goroutine is not enough: a timer fires on the processor (GOMAXPROCS) that armed
// it, and the goroutine it wakes runs there first. When the kernel leaves one of the
// process's threads off the CPU, the callers, timers and locks held on its processor
// wait, while a lone probe on another processor keeps waking on time (under load,
// turns that hold a shard's lock for 10-50µs of their thread's CPU held it 20-80ms,
// and callers woke 75ms late while one goroutine measured 30ms). So the probe runs
// probeGoroutines (at least two per processor), their waits staggered, and a stall
// is what any of them saw.
type LatenessProbe struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	// samples holds each goroutine's wake-ups, in the order of due, which is also
	// that of due+late.
	samples [][]wakeUp
}

// wakeUp is one of the probe's waits: due when it should have woken, late by how much
// it woke after that. The process could not run the probe from due to due+late.
type wakeUp struct {
	due  time.Time
	late time.Duration
}

// probeGoroutines is how many goroutines a probe runs: two per processor, and at
// least four, so that each processor holds the timer of one most of the time.
func probeGoroutines() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// ProbeLateness starts a probe.
func ProbeLateness(interval time.Duration) *LatenessProbe {
	k := probeGoroutines()
	p := &LatenessProbe{stop: make(chan struct{}), samples: make([][]wakeUp, k)}
	for g := range k {
		// Staggered: goroutine g first waits interval*(1+g/k), so that the wake-ups
		// spread over each interval rather than come together.
		first := interval + interval*time.Duration(g)/time.Duration(k)
		p.wg.Go(func() { p.run(g, interval, first) })
	}
	return p
}

// run is probe goroutine g: it waits first, then interval, again and again.
func (p *LatenessProbe) run(g int, interval, first time.Duration) {
	wait := first
	for {
		due := time.Now().Add(wait)
		wait = interval
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
		p.samples[g] = append(p.samples[g], wakeUp{due, late})
		p.mu.Unlock()
	}
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
	var s []time.Duration
	for _, g := range p.samples {
		for _, w := range g {
			s = append(s, w.late)
		}
	}
	l := Lateness{Samples: len(s)}
	if l.Samples == 0 {
		return l
	}
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(int(q*float64(len(s))), len(s)-1)] }
	l.P99, l.P999, l.Max = at(0.99), at(0.999), s[len(s)-1]
	return l
}

// ordinaryLateness is how late a wake-up may be and not count as a stall: a timer's
// ordinary latency, which a call's deadline timer has too and the slack covers. Counted,
// a probe's four goroutines, each waking a fraction of a millisecond late every
// millisecond, covered a fifth of an idle second on a loaded machine, and excused a
// call that ended 300ms past its deadline and slack.
const ordinaryLateness = time.Millisecond

// During returns how long, between from and to, one of the probe's goroutines at
// least was due to wake and had not, by more than ordinaryLateness: the scheduling
// delay this process suffered in that time, a stall or several. Stalls that two
// goroutines saw at once count once. A call that ran from from to to may have overrun
// its deadline that long by this process's scheduling alone (load.Excuse).
func (p *LatenessProbe) During(from, to time.Time) time.Duration {
	type span struct{ start, end time.Time }
	var spans []span
	p.mu.Lock()
	for _, g := range p.samples {
		i := sort.Search(len(g), func(i int) bool { return g[i].due.Add(g[i].late).After(from) })
		for ; i < len(g) && g[i].due.Before(to); i++ {
			if g[i].late <= ordinaryLateness {
				continue
			}
			start, end := g[i].due, g[i].due.Add(g[i].late)
			if start.Before(from) {
				start = from
			}
			if end.After(to) {
				end = to
			}
			if end.After(start) {
				spans = append(spans, span{start, end})
			}
		}
	}
	p.mu.Unlock()
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	// The length of the union of the spans.
	var sum time.Duration
	var reach time.Time // the end of the union so far
	for _, sp := range spans {
		if sp.start.Before(reach) {
			sp.start = reach
		}
		if sp.end.After(sp.start) {
			sum += sp.end.Sub(sp.start)
			reach = sp.end
		}
	}
	return sum
}
