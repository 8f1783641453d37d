package scenarios

import (
	"fmt"
	"math"
	"strconv"
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
	// WallTimeNS, EventsPerSec and SimPerWall (simulated time over wall time) are
	// filled in by whoever timed the run (the simulation itself never reads the wall
	// clock). An event is one kernel event: Events counts them.
	WallTimeNS   int64   `json:"wall_time_ns"`
	EventsPerSec float64 `json:"events_per_sec"`
	SimPerWall   float64 `json:"sim_per_wall"`
	Calls        Calls   `json:"calls"`
	SkippedCalls uint64  `json:"skipped_calls"`
	// Casts counts the workload's casts; nil (left out) for a workload of none.
	Casts *Casts `json:"casts,omitempty"`
	// Retries ties the workload's attempts to their requests; nil (left out) for a
	// workload that does not retry (workload.retry).
	Retries              *Retries    `json:"retries,omitempty"`
	LateRepliesDiscarded uint64      `json:"late_replies_discarded"`
	AfterGiveUp          AfterGiveUp `json:"after_give_up"`
	OrphanMessages       uint64      `json:"orphan_messages"`
	Latency              Latency     `json:"latency_ns"`
	// ErrorLatency is the time calls that failed took to learn it: how long a caller
	// waits for bad news.
	ErrorLatency Latency           `json:"error_latency_ns"`
	Probes       map[string]uint64 `json:"probes"`
	// Violations holds the broken invariants: the first MaxViolationsKept violations
	// of each invariant, in the order found. ViolationsTotal counts every one found,
	// ViolationCounts by invariant (only the invariants broken), so
	// ViolationsTotal-len(Violations) were left out.
	Violations      []Violation       `json:"violations"`
	ViolationsTotal uint64            `json:"violations_total"`
	ViolationCounts map[string]uint64 `json:"violation_counts"`
	// Expected holds, under riak semantics, the violations of invariants the spec's
	// riak_breaks says the original does not keep: measured, not failures. They are
	// kept as Violations are, and ExpectedTotal counts them all.
	Expected      []Violation `json:"expected_riak_violations,omitempty"`
	ExpectedTotal uint64      `json:"expected_riak_violations_total,omitempty"`
	TraceHash     string      `json:"trace_hash"`
	// Backlog, when the world was still busy where it was to be quiet because its
	// routers had messages queued (arrivals faster than they serve), says how many and
	// when it went quiet; nil (left out) otherwise.
	Backlog *Backlog `json:"backlog,omitempty"`
}

// Backlog is the work a world's routers still had queued when it was to be quiet: the
// run went on while they served it.
type Backlog struct {
	// Messages is the longest router-instance mailbox when the world was to be quiet,
	// at AtNS.
	Messages int   `json:"messages"`
	AtNS     int64 `json:"at_ns"`
	// QuietNS is when the world went quiet once they were served; -1 if it did not
	// (the no-leak violation says where it stopped).
	QuietNS int64 `json:"quiet_ns"`
}

// ViolationsLeftOut is how many of the violations found the report does not list.
func (r *Report) ViolationsLeftOut() uint64 {
	return r.ViolationsTotal - min(r.ViolationsTotal, uint64(len(r.Violations)))
}

// ViolationsFound is how many violations the run found: ViolationsTotal, or the
// violations listed when there are more (a report that counted none, as one read
// from a repro file written before the count existed).
func (r *Report) ViolationsFound() uint64 {
	return max(r.ViolationsTotal, uint64(len(r.Violations)))
}

// Calls counts calls by outcome. Open are the calls with none when the run ended
// (neither completed nor lost with their caller): a run stopped at its message
// budget cuts them short; otherwise each is an invariant violation. The outcomes,
// Lost and Open add up to Total.
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
	Open        uint64 `json:"open"`
}

// AfterGiveUp measures work wasted on calls whose caller had already given up:
// messages still sent for them, events still handed to peers, and the leaders'
// service time spent after the caller gave up.
//
// Peer work is service time: a leader works on an event from the moment it is handed
// the event until it answers, or until it abandons the work because its budget ran
// out. PeerWorkNS is the part of that time which came after the event's caller had
// completed its call (timed out, mostly); PeerWorkTotalNS is all of it, so
// PeerWorkNS/PeerWorkTotalNS is the share of the leaders' work done for callers that
// had already given up. Work cut short by a crash counts as if it had run to its end.
type AfterGiveUp struct {
	Messages        uint64 `json:"messages"`
	PeerEvents      uint64 `json:"peer_events"`
	PeerWorkNS      int64  `json:"peer_work_ns"`
	PeerWorkTotalNS int64  `json:"peer_work_total_ns"`
}

// PeerWorkShare is PeerWorkNS as a share of PeerWorkTotalNS, 0 when there was none.
func (g AfterGiveUp) PeerWorkShare() float64 {
	if g.PeerWorkTotalNS == 0 {
		return 0
	}
	return float64(g.PeerWorkNS) / float64(g.PeerWorkTotalNS)
}

// Latency holds percentiles of call latency on the caller's clock, in nanoseconds.
type Latency struct {
	P50 int64 `json:"p50"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Result is a finished run: its report, every call's outcome, and, if asked for, its
// trace.
type Result struct {
	Report Report
	Trace  []sim.Record
	// Stopped is set when Options.Stop ended the run: the Result then holds nothing
	// else.
	Stopped bool

	wd       *world
	outcomes []Outcome
}

// Outcomes is how each workload call ended, in the order the calls were made. It is
// built on first use (a sweep never asks), from the finished run, which the Result
// holds until then and lets go of after. Not safe for concurrent first use.
func (r *Result) Outcomes() []Outcome {
	if r.wd != nil {
		r.outcomes, r.wd = r.wd.outcomes(), nil
	}
	return r.outcomes
}

// Outcome is how one workload call ended, as its caller saw it.
type Outcome struct {
	Call     string        // the call id, e.g. "n1.1.7"
	Node     string        // the caller
	Ensemble string        // the target
	Start    time.Duration // virtual time the call started
	Code     string        // router.Code name: "ok", "timeout", "no-leader", ...; "lost" if the caller crashed first
	Latency  time.Duration // on the caller's clock; zero when lost
}

// Run builds the world of spec, runs it to quiet and checks every invariant. It
// returns an error only for a bad spec (wrapping ErrBadSpec) or Options it cannot run
// with, a Semantics that is neither router.Default nor router.Riak or a Stop without a
// TraceSink (wrapping ErrBadOptions); a broken invariant is a Violation in the report.
func Run(spec Spec, opt Options) (*Result, error) {
	if opt.Semantics != router.Default && opt.Semantics != router.Riak {
		return nil, fmt.Errorf("%w: Semantics %d is unknown, want router.Default or router.Riak", ErrBadOptions, int(opt.Semantics))
	}
	if opt.Stop != nil && opt.TraceSink == nil {
		return nil, fmt.Errorf("%w: Stop is set without a TraceSink, after whose records it is asked", ErrBadOptions)
	}
	wd, err := newWorld(spec, opt)
	if err != nil {
		return nil, err
	}
	return wd.run(), nil
}

// run schedules the world, runs it to quiet (or to its cap) and checks it.
func (wd *world) run() *Result {
	wd.schedule()
	// Past quietBy the run is cut short; the first event after it still runs
	// (the trace records it). RunPast also returns at a World.Stop, which the
	// checker calls once the routers have sent past the run's budget: the run ends
	// there (overBudget).
	// With a Progress hook the run goes a stretch of virtual time at a time: RunPast
	// runs the first event past each stretch's end too, as it would have run anyway,
	// so the run is the same event for event.
	every := wd.opt.ProgressEvery
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	quiet := true
	backlog := math.MaxInt // the routers' backlog when the run was last to be quiet
	if wd.stopped {        // at a record of the schedule
		return &Result{Stopped: true}
	}
	for wd.w.Pending() > 0 {
		until := wd.quietBy
		if wd.opt.Progress != nil {
			until = min(until, wd.w.Now()+every)
		}
		past := wd.w.RunPast(until)
		if wd.stopped {
			return &Result{Stopped: true}
		}
		if wd.chk.overBudget {
			quiet = false
			break
		}
		if past {
			if wd.w.Now() > wd.quietBy {
				q, by, ok := wd.drain(backlog)
				if !ok {
					quiet = false
					break
				}
				backlog, wd.quietBy = q, by
				continue
			}
			wd.opt.Progress(wd.w.Now(), wd.w.Executed())
		}
	}
	if b := wd.backlog; b != nil {
		b.QuietNS = -1
		if quiet {
			b.QuietNS = int64(wd.w.Now())
		}
	}
	wd.chk.finish(quiet)
	return &Result{Report: wd.report(), Trace: wd.w.Trace(), wd: wd}
}

// drain decides, for a world still busy when it was to be quiet, whether its run goes
// on: routers slower than the arrivals are left with a backlog that they serve at
// their pace once the arrivals end, which is not a leak. While the longest mailbox
// shrinks (below last, its length when the run was last to be quiet; math.MaxInt the
// first time), the run goes on for as long as its messages take to serve, with four
// timeouts (the last served may start a call, or a riak worker, that waits out its
// timeout) and settle's time after them, and drain returns that length and the new
// time to be quiet by. A world busy without a backlog in the first place, or whose
// backlog did not shrink, is not quiet; one whose backlog has just gone gets the
// timeouts and settle once more.
func (wd *world) drain(last int) (backlog int, by time.Duration, ok bool) {
	for _, sn := range wd.byIdx {
		backlog = max(backlog, sn.host.Backlog())
	}
	if backlog >= last || backlog == 0 && last == math.MaxInt {
		return backlog, 0, false
	}
	if wd.backlog == nil {
		wd.backlog = &Backlog{Messages: backlog, AtNS: int64(wd.w.Now())}
	}
	serve := wd.spec.RouterService.Expected()
	if backlog > 0 && serve > math.MaxInt64/time.Duration(backlog) {
		return backlog, math.MaxInt64, true
	}
	after := satAdd(4*wd.spec.Workload.Timeout.D(), wd.spec.settle())
	return backlog, satAdd(wd.w.Now(), satAdd(time.Duration(backlog)*serve, after)), true
}

// routerStats sums the routers' counters over every node and every incarnation.
func (wd *world) routerStats() router.Stats {
	var st router.Stats
	for _, id := range wd.order {
		sn := wd.nodes[id]
		st.Add(sn.dead)
		if sn.node != nil {
			st.Add(sn.node.Stats())
		}
	}
	return st
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
		Casts:          wd.chk.castCounts,
		OrphanMessages: wd.net.Stats().Orphans,
		Violations:     wd.chk.viol,
		TraceHash:      wd.w.TraceHash(),
	}
	if wd.backlog != nil {
		b := *wd.backlog
		r.Backlog = &b
	}
	if wd.retry != nil {
		r.Retries = wd.retry.report()
	}
	known := map[string]bool{}
	if wd.opt.Semantics == router.Riak {
		for _, inv := range wd.spec.RiakBreaks {
			known[inv] = true
		}
	}
	r.ViolationCounts = map[string]uint64{}
	for k, n := range wd.chk.violCount {
		switch inv := invariantNames[k]; {
		case n == 0:
		case known[inv]:
			r.ExpectedTotal += n
		default:
			r.ViolationCounts[inv] = n
			r.ViolationsTotal += n
		}
	}
	if len(known) > 0 {
		var fails []Violation
		for _, v := range r.Violations {
			if known[v.Invariant] {
				r.Expected = append(r.Expected, v)
			} else {
				fails = append(fails, v)
			}
		}
		r.Violations = fails
	}
	if r.Violations == nil {
		r.Violations = []Violation{}
	}
	// One pass over the calls counts them by outcome, sums the leaders' work on them
	// (callRec.workShare) and takes their latencies into one slice sized once: the
	// successes' from its front, the failures' from its end, then moved to follow the
	// successes (percentiles depend on the values only, not on their order). The
	// failed ones' percentiles are taken first, since taking them reorders.
	calls := wd.chk.calls
	lat := make([]time.Duration, len(calls))
	ok, failed := 0, 0
	var wasted, work int64
	for i := range calls {
		c := &calls[i]
		if c.worked {
			w, t := c.workShare(c.workFrom, c.workTo)
			wasted, work = wasted+w, work+t
		}
		if c.completions == 0 {
			if c.lost {
				r.Calls.Lost++
			} else {
				r.Calls.Open++
			}
			continue
		}
		switch c.class {
		case classOK:
			lat[ok] = c.latency
			ok++
			continue
		case classTimeout:
			r.Calls.Timeout++
		case classNoLeader:
			r.Calls.NoLeader++
		case classNotLeader:
			r.Calls.NotLeader++
		case classUnreachable:
			r.Calls.Unreachable++
		case classHopLimit:
			r.Calls.HopLimit++
		case classOverloaded:
			r.Calls.Overloaded++
		default:
			r.Calls.Other++
		}
		failed++
		lat[len(lat)-failed] = c.latency
	}
	r.Calls.Total, r.Calls.OK = uint64(len(calls)), uint64(ok)
	copy(lat[ok:], lat[len(lat)-failed:])
	lat = lat[:ok+failed]
	for _, s := range wd.chk.work {
		w, t := wd.chk.calls[s.call].workShare(s.from, s.to)
		wasted, work = wasted+w, work+t
	}
	r.ErrorLatency = percentiles(lat[r.Calls.OK:])
	r.Latency = percentiles(lat)
	st := wd.routerStats()
	r.LateRepliesDiscarded = st.Late
	ns := wd.net.Stats()
	pc := wd.chk.probes
	r.AfterGiveUp = AfterGiveUp{Messages: pc.afterGiveUp, PeerEvents: pc.peerAfterGiveUp}
	r.AfterGiveUp.PeerWorkNS, r.AfterGiveUp.PeerWorkTotalNS = wasted, work
	r.Probes = map[string]uint64{
		"late-reply-dropped":       st.Late,
		"stale-incarnation":        st.Stale,
		"hop-limit":                st.HopLimit,
		"redirect-after-nack":      st.Redirects,
		"budget-spent-at-hop":      st.Budget,
		"no-leader-at-hop":         st.NoLeader,
		"forward-dropped":          st.FwdDrop,
		"worker-timeout":           st.Workers,
		"send-refused":             st.Unreached,
		"double-answer-ignored":    st.Twice,
		"shed-overloaded":          st.Shed,
		"forward-during-election":  pc.fwdInElection,
		"timeout-while-forwarding": pc.timeoutInFlight,
		"duplicate-reply":          pc.dupReply,
		"duplicate-request":        pc.dupRequest,
		"directory-regression":     pc.regressions,
		"late-by-pause-or-step":    pc.pausedLate,
		"peer-abandoned-work":      pc.abandoned,
		"answer-to-worker":         pc.workerAnswers,
		"net-lost":                 ns.Lost,
		"net-orphan":               ns.Orphans,
		"net-unreachable":          ns.Unreachable,
		"net-held":                 ns.Held,
		"net-duplicated":           ns.Duplicated,
		"net-rule-applied":         ns.RulesApplied,
		"net-parked-while-paused":  ns.Paused,
		"net-replies-held":         ns.RepliesHeld,
		"net-replies-held-dropped": ns.RepliesHeldDropped,
	}
	return r
}

func (wd *world) outcomes() []Outcome {
	// Filled in place, field by field: while the collector runs, appending a whole
	// Outcome pays a write barrier for each of its pointer slots.
	//
	// The calls' names (id.String(), as the trace wrote them) are rendered one after
	// another into one buffer, copied into one string, and sliced. A name is its
	// node's prefix ("n1.1.", remembered per node for its latest incarnation) and its
	// sequence number.
	calls := wd.chk.calls
	names := make([]byte, 0, 16*len(calls))
	ends := make([]int32, len(calls))
	prefix := make([]callPrefix, len(wd.order))
	for i := range calls {
		r := &calls[i]
		if !r.named {
			names = append(names, '-') // CallID{}.String()
		} else {
			p := &prefix[r.node]
			if p.b == nil || p.inc != r.idInc {
				b := append(append(p.b[:0], wd.order[r.node]...), '.')
				b = strconv.AppendUint(b, uint64(r.idInc), 10)
				p.inc, p.b = r.idInc, append(b, '.')
			}
			names = strconv.AppendUint(append(names, p.b...), r.seq, 10)
		}
		ends[i] = int32(len(names))
	}
	all := string(names)
	out := make([]Outcome, len(calls))
	start := int32(0)
	for i := range calls {
		c, o := &calls[i], &out[i]
		o.Call, start = all[start:ends[i]], ends[i]
		o.Node, o.Ensemble, o.Start, o.Code = string(wd.order[c.node]), string(wd.eord[c.ens]), c.startGlobal, "lost"
		if c.completions > 0 {
			o.Code = c.code.String()
			o.Latency = c.latency
		}
	}
	return out
}

// callPrefix is how the names of one node's calls in incarnation inc begin.
type callPrefix struct {
	inc router.Incarnation
	b   []byte
}
