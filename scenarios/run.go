package scenarios

import (
	"errors"
	"sort"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// Report is what one run measured and found. Its JSON is ensim's --json output.
type Report struct {
	Scenario       string `json:"scenario"`
	Seed           uint64 `json:"seed"`
	Semantics      string `json:"semantics"`
	Nodes          int    `json:"nodes"`
	Clients        int    `json:"clients"`
	RoutersPerNode int    `json:"routers_per_node"`
	Events         uint64 `json:"events"`
	TraceEvents    uint64 `json:"trace_events"`
	SimTimeNS      int64  `json:"sim_time_ns"`
	// WallTimeNS and EventsPerSec are filled in by whoever timed the run (the
	// simulation itself never reads the wall clock).
	WallTimeNS           int64             `json:"wall_time_ns"`
	EventsPerSec         float64           `json:"events_per_sec"`
	Calls                Calls             `json:"calls"`
	SkippedCalls         uint64            `json:"skipped_calls"`
	LateRepliesDiscarded uint64            `json:"late_replies_discarded"`
	OrphanMessages       uint64            `json:"orphan_messages"`
	Latency              Latency           `json:"latency_ns"`
	Probes               map[string]uint64 `json:"probes"`
	Violations           []Violation       `json:"violations"`
	TraceHash            string            `json:"trace_hash"`
}

// Calls counts calls by outcome.
type Calls struct {
	Total       uint64 `json:"total"`
	OK          uint64 `json:"ok"`
	Timeout     uint64 `json:"timeout"`
	NoLeader    uint64 `json:"no_leader"`
	NotLeader   uint64 `json:"not_leader"`
	Unreachable uint64 `json:"unreachable"`
	HopLimit    uint64 `json:"hop_limit"`
	Overloaded  uint64 `json:"overloaded"`
	Other       uint64 `json:"other"`
	Lost        uint64 `json:"lost_with_caller"`
}

// Latency holds percentiles of call latency on the caller's clock, in nanoseconds.
type Latency struct {
	P50 int64 `json:"p50"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Result is a finished run: its report and, if asked for, its trace.
type Result struct {
	Report Report
	Trace  []sim.Record
}

// Run builds the world of spec, runs it to quiet and checks every invariant. It
// returns an error only for a bad spec (wrapping ErrBadSpec); a broken invariant is
// a Violation in the report.
func Run(spec Spec, opt Options) (*Result, error) {
	wd, err := newWorld(spec, opt)
	if err != nil {
		return nil, err
	}
	wd.schedule()
	quiet := true
	for wd.w.Step() {
		if wd.w.Now() > wd.quietBy {
			quiet = false
			break
		}
	}
	wd.chk.finish(quiet)
	return &Result{Report: wd.report(), Trace: wd.w.Trace()}, nil
}

func (wd *world) report() Report {
	r := Report{
		Scenario:       wd.spec.Name,
		Seed:           wd.opt.Seed,
		Semantics:      wd.opt.Semantics.String(),
		Nodes:          len(wd.spec.Nodes),
		Clients:        len(wd.spec.Clients),
		RoutersPerNode: wd.spec.Routers,
		Events:         wd.w.Executed(),
		TraceEvents:    wd.w.TraceLen(),
		SimTimeNS:      int64(wd.w.Now()),
		SkippedCalls:   wd.chk.skipped,
		OrphanMessages: wd.net.Stats().Orphans,
		Violations:     wd.chk.viol,
		TraceHash:      wd.w.TraceHash(),
	}
	if r.Violations == nil {
		r.Violations = []Violation{}
	}
	var lat []time.Duration
	for _, c := range wd.chk.calls {
		r.Calls.Total++
		if c.completions == 0 {
			if c.lost {
				r.Calls.Lost++
			}
			continue
		}
		lat = append(lat, c.latency)
		switch err := c.first.Err; {
		case err == nil:
			r.Calls.OK++
		case errors.Is(err, router.ErrTimeout):
			r.Calls.Timeout++
		case errors.Is(err, router.ErrNoLeader):
			r.Calls.NoLeader++
		case errors.Is(err, router.ErrNotLeader):
			r.Calls.NotLeader++
		case errors.Is(err, router.ErrUnreachable):
			r.Calls.Unreachable++
		case errors.Is(err, router.ErrHopLimit):
			r.Calls.HopLimit++
		case errors.Is(err, router.ErrOverloaded):
			r.Calls.Overloaded++
		default:
			r.Calls.Other++
		}
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		r.Latency = Latency{P50: int64(pct(lat, 0.50)), P99: int64(pct(lat, 0.99)), Max: int64(lat[len(lat)-1])}
	}
	var st router.Stats
	for _, id := range wd.order {
		sn := wd.nodes[id]
		addStats(&st, sn.dead)
		if sn.node != nil {
			addStats(&st, sn.node.Stats())
		}
	}
	r.LateRepliesDiscarded = st.Late
	ns := wd.net.Stats()
	r.Probes = map[string]uint64{
		"late-reply-dropped":    st.Late,
		"stale-incarnation":     st.Stale,
		"hop-limit":             st.HopLimit,
		"redirect-after-nack":   st.Redirects,
		"budget-spent-at-hop":   st.Budget,
		"no-leader-at-hop":      st.NoLeader,
		"forward-dropped":       st.FwdDrop,
		"worker-timeout":        st.Workers,
		"send-refused":          st.Unreached,
		"peer-missing":          st.NoPeer,
		"net-lost":              ns.Lost,
		"net-orphan":            ns.Orphans,
		"net-unreachable":       ns.Unreachable,
		"double-answer-ignored": st.Twice,
	}
	return r
}

// pct is the nearest-rank percentile of sorted.
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}
