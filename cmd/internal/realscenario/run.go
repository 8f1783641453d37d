package realscenario

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/cmd/internal/netns"
	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// ClientID is the node id of the client that runs a scenario's calls: a spec node
// may not take it.
const ClientID = "client"

// Options say how to run a spec.
type Options struct {
	// Ensnode is the path of the ensnode program. Required.
	Ensnode string
	// Dir holds the nodes' logs. Required.
	Dir string
	// Netns runs the nodes in network namespaces even when the spec cuts no link.
	Netns bool
	// Skip leaves out what the spec holds that a real run cannot do, instead of
	// refusing the spec.
	Skip bool
	// Slack is how long past its deadline a call may end (scheduling delay); a call
	// that ends later breaks the deadline invariant.
	Slack time.Duration
	// ExcuseDelay also allows a call past its deadline the scheduling delay measured
	// in this process while it ran (realcluster.LatenessProbe.During), as the
	// reliability tests do on a shared machine. Either way the report gives the worst
	// delay measured.
	ExcuseDelay bool
	// Progress, if set, receives a line per step.
	Progress io.Writer

	// settle is how long the checks after the workload wait for the cluster to
	// reconnect and for its queues to drain (0: 30s); tests shorten it.
	settle time.Duration
	// args are ensnode flags after the plan's: tests give the demo peer a service
	// time the plan refuses, to hold up a router instance on purpose.
	args []string
	// checking, if set, is called as the checks after the workload begin, with the
	// cluster as the workload and its steps left it; tests end ctx there.
	checking func(*realcluster.Cluster)
}

// Report is what a real run did, in the shape of ensim run --json where it can be.
type Report struct {
	Scenario       string `json:"scenario"`
	Real           bool   `json:"real"`
	Netns          bool   `json:"netns"`
	Nodes          int    `json:"nodes"`
	RoutersPerNode int    `json:"routers_per_node"`
	WallTimeNS     int64  `json:"wall_time_ns"`
	// Calls counts the calls ("total") and each outcome the calls had, under the
	// keys of ensim run --json's calls (callsKey): "ok", "timeout", "no_leader",
	// "not_leader", "unreachable", "hop_limit", "overloaded", "other", and
	// "cancelled" for a call an interruption cut off. An outcome no call had is left
	// out.
	Calls     map[string]int64 `json:"calls"`
	Late      uint64           `json:"late_replies_discarded"`
	LatencyNS map[string]int64 `json:"latency_ns"`
	// StartLagNS ("p99", "max") says how late the calls started after they were due
	// (an open load's): latencies count from the start, so this is what they leave out.
	StartLagNS  map[string]int64 `json:"start_lag_ns,omitempty"`
	WorstOverNS int64            `json:"worst_over_deadline_ns"`
	TimeoutNS   int64            `json:"timeout_ns"`
	SlackNS     int64            `json:"slack_ns"`
	// SchedDelayNS is the worst scheduling delay measured in the calling process
	// during the run (a timer's wake-up past its time): a call may overrun its
	// deadline by as much whatever the router does. ExcusedNS is the most the
	// deadline check allowed one call on top of the slack (Options.ExcuseDelay): the
	// delay measured while that call ran.
	SchedDelayNS int64 `json:"sched_delay_ns"`
	ExcusedNS    int64 `json:"excused_ns,omitempty"`
	// Steps has a line per step, in the order they ended: the time since the
	// start and what the step did ("+1.3s     pause n2: ok"), or, for a step due
	// after the last call's deadline, "not run" in place of a time ("not run   crash
	// n1 (due at +10s, ...)"). An interrupted run leaves out the steps it cut off.
	Steps []string `json:"steps"`
	// FailedSteps are the steps that did not do what they were for, each with its
	// error and when it was due (a lead whose member gave no answer within 1s, say):
	// the run went on without them, so it was not quite the spec's. They break no
	// invariant.
	FailedSteps []string `json:"failed_steps,omitempty"`
	Skipped     []string `json:"skipped,omitempty"`
	// NotApplied is Plan.NotApplied: what the spec sets that the run takes as the
	// real code does instead.
	NotApplied []string `json:"not_applied,omitempty"`
	Violations []string `json:"violations"`
	// Interrupted: ctx ended the run early, during InterruptedDuring: "startup" (no
	// call was made), "workload" (the figures are of the time it ran, and the checks
	// that need a whole run, deadline, no-leak and shutdown, were not made) or
	// "checks" (the workload ran whole and its checks stand; the no-leak and
	// shutdown checks after it were not made).
	Interrupted       bool   `json:"interrupted,omitempty"`
	InterruptedDuring string `json:"interrupted_during,omitempty"`
}

// The phases a run may be interrupted in (Report.InterruptedDuring).
const (
	DuringStartup  = "startup"
	DuringWorkload = "workload"
	DuringChecks   = "checks"
)

// Run runs spec s against real processes and reports; the error is ErrFailed when an
// invariant broke (the report says which), ErrUnsupported when s cannot run here, or
// what stopped the run: ctx's error when it ended the run, at whatever point, with the
// report of what ran until then (Report.Interrupted).
//
// Each step runs at its own time, a lead on a goroutine of its own (it waits up to 1s
// for its member's answer), after the lead before it of its ensemble has ended, so
// that the spec's last election of an ensemble leaves the leader it names. Steps run
// until the last call's deadline, the workload's duration plus its timeout, as the
// simulator's run past the workload while calls are in flight: a resume, a heal or a
// restart then still ends its fault for the calls it holds up. A step due later has
// no call left to act on and is not run.
func Run(ctx context.Context, s scenarios.Spec, o Options) (Report, error) {
	p, err := NewPlan(s, o.Skip)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Scenario: s.Name, Real: true, Nodes: len(s.Nodes), RoutersPerNode: s.Routers, Skipped: p.Skipped,
		NotApplied: p.NotApplied, TimeoutNS: int64(p.Timeout), SlackNS: int64(o.Slack), Netns: p.Netns || o.Netns}
	if rep.RoutersPerNode == 0 {
		rep.RoutersPerNode = router.DefaultRouters
	}
	// interrupted is the report of a run ctx ended during phase, and ctx's error; any
	// error that came of it (a cluster that did not connect, checks cut off) is the
	// interruption's, not the run's.
	interrupted := func(phase string) (Report, error) {
		rep.Interrupted, rep.InterruptedDuring = true, phase
		return rep, ctx.Err()
	}
	cfg := realcluster.Config{Ensnode: o.Ensnode, Dir: o.Dir, Nodes: p.Nodes, Ensembles: p.Ensembles,
		Args: append(append([]string{}, p.Args...), o.args...), ClientTransport: p.client}
	var nw *netns.Net
	if rep.Netns {
		if err := netns.Available(); err != nil {
			if !p.Netns {
				return Report{}, fmt.Errorf("%w: the nodes are to run in network namespaces (Options.Netns; the spec cuts no link): %w",
					ErrUnsupported, err)
			}
			return Report{}, fmt.Errorf("%w: the spec cuts links (a partition), which needs network namespaces: %w", ErrUnsupported, err)
		}
		if nw, err = netns.New(); err != nil {
			return Report{}, err
		}
		defer nw.Close()
		for _, h := range append(append([]string{}, p.Nodes...), ClientID) {
			if _, err := nw.AddHost(h); err != nil {
				return Report{}, err
			}
		}
		cfg.Addr = func(id string) (string, string) { ip := nw.Host(id).IP; return ip + ":7000", ip + ":9100" }
		cfg.Wrap, cfg.Dial = nw.Wrap, nw.Dialer(ClientID)
	}
	c, err := realcluster.New(cfg)
	if err != nil {
		return Report{}, err
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		if ctx.Err() != nil {
			return interrupted(DuringStartup)
		}
		return Report{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.WaitConnected(wctx); err != nil {
		if ctx.Err() != nil {
			return interrupted(DuringStartup)
		}
		return Report{}, fmt.Errorf("the cluster did not connect: %w", err)
	}
	cl, err := c.Client(wctx, ClientID, nil)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(DuringStartup)
		}
		return Report{}, err
	}
	defer cl.Close()

	var targets []load.Target
	for _, e := range p.Ensembles {
		for _, n := range p.Nodes {
			targets = append(targets, load.Target{Ensemble: router.EnsembleID(e.ID), Via: router.NodeID(n)})
		}
	}
	inFlight := max(64, int(p.Rate*p.Timeout.Seconds()*4)+16)
	probe := realcluster.ProbeLateness(time.Millisecond)
	defer probe.Stop()
	start := time.Now()
	run, err := load.Start(ctx, load.Config{Caller: cl, Targets: targets, Callers: inFlight, Rate: p.Rate,
		Timeout: p.Timeout, Slack: o.Slack, Name: "scenario"})
	if err != nil {
		return Report{}, err
	}
	// The steps report from their own goroutines.
	var mu sync.Mutex
	report := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		rep.Steps = append(rep.Steps, line)
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, line)
		}
	}
	// progress reports what happened now, after the time since the start.
	progress := func(format string, args ...any) {
		report(fmt.Sprintf("+%-8v %s", time.Since(start).Round(time.Millisecond), fmt.Sprintf(format, args...)))
	}
	step := func(st Step) {
		if err := do(ctx, c, nw, cl, st); err != nil {
			progress("%v", err)
			if ctx.Err() == nil { // a step the interruption cut off did not fail
				mu.Lock()
				rep.FailedSteps = append(rep.FailedSteps, fmt.Sprintf("%v (due at +%v)", err, st.At))
				mu.Unlock()
			}
			return
		}
		progress("%v: ok", st)
	}
	lastDeadline := p.Duration + p.Timeout
	stepsDone := make(chan struct{})
	var leads sync.WaitGroup
	// A lead waits for the one before it of its ensemble to end: a member that takes
	// the lead later makes a newer entry, so an earlier lead whose member answers late
	// (paused, say) would otherwise undo a later one, and leave the ensemble with
	// another leader than the spec's last election.
	lastLead := map[string]chan struct{}{}
	go func() {
		defer close(stepsDone)
		for i, st := range p.Steps {
			if st.At > lastDeadline {
				// Without the time the loop got here, which would read as when
				// they ran.
				for _, st := range p.Steps[i:] {
					report(fmt.Sprintf("%-9s %v (due at +%v, after the last call's deadline, +%v)", "not run", st, st.At, lastDeadline))
				}
				return
			}
			select {
			case <-time.After(time.Until(start.Add(st.At))):
			case <-ctx.Done():
				return
			}
			if st.Action == "lead" {
				before, done := lastLead[st.Ensemble], make(chan struct{})
				lastLead[st.Ensemble] = done
				leads.Go(func() {
					defer close(done)
					if before != nil {
						select {
						case <-before:
						case <-ctx.Done():
							return
						}
					}
					step(st)
				})
				continue
			}
			step(st)
		}
	}()
	select {
	case <-time.After(time.Until(start.Add(p.Duration))):
	case <-ctx.Done():
	}
	sum := run.Stop(5 * time.Second)
	<-stepsDone
	leads.Wait()
	rep.WallTimeNS = int64(time.Since(start))
	rep.Calls = map[string]int64{"total": sum.Total.Calls}
	for k, v := range sum.Total.Codes {
		rep.Calls[callsKey(k)] = v
	}
	rep.LatencyNS = map[string]int64{"p50": sum.Total.P50NS, "p99": sum.Total.P99NS, "max": sum.Total.MaxNS}
	if sum.StartLagMaxNS > 0 {
		rep.StartLagNS = map[string]int64{"p99": sum.StartLagP99NS, "max": sum.StartLagMaxNS}
	}
	rep.WorstOverNS = sum.Total.WorstOverNS
	rep.Violations = append(rep.Violations, sum.Violations...)
	rep.SchedDelayNS = int64(probe.Stop().Max)
	if ctx.Err() != nil {
		// Cut short: the calls' own violations stand, but calls cut off at their
		// deadline, and queues and nodes stopped midway, are none; c.Close stops the
		// nodes.
		rep.Late = cl.Stats().Router.Late
		return interrupted(DuringWorkload)
	}
	var excuse load.Excuse
	if o.ExcuseDelay {
		excuse = probe.During
	}
	n, first, granted := sum.PastDeadline(excuse)
	rep.ExcusedNS = int64(granted)
	if n > 0 {
		allowed := fmt.Sprintf("the slack, %v", o.Slack)
		if excuse != nil {
			allowed = fmt.Sprintf("the slack %v plus the scheduling delay measured meanwhile", o.Slack)
		}
		rep.Violations = append(rep.Violations, fmt.Sprintf("deadline: %d calls ended past their deadline by more than %s; the first:", n, allowed))
		rep.Violations = append(rep.Violations, first[:min(len(first), 5)]...)
	}
	if sum.Skipped > 0 {
		progress("the load skipped %d calls: %d were in flight", sum.Skipped, inFlight)
	}
	rep.Late = cl.Stats().Router.Late
	cl.Close()
	if o.checking != nil {
		o.checking(c)
	}
	checks := quiesce(ctx, c, nw, cmp.Or(o.settle, 30*time.Second))
	if ctx.Err() != nil {
		// What quiesce found cut off (a cluster not reconnected, queues not seen to
		// drain) is the interruption's doing; the calls' checks above stand.
		return interrupted(DuringChecks)
	}
	rep.Violations = append(rep.Violations, checks...)
	if len(rep.Violations) > 0 {
		first := rep.Violations[0]
		if strings.HasSuffix(first, ":") && len(rep.Violations) > 1 {
			// A heading ("...; the first:"): the line after it names the call.
			first += " " + rep.Violations[1]
		}
		return rep, fmt.Errorf("%w: %s", ErrFailed, first)
	}
	return rep, nil
}

// callsKey is the key of Report.Calls for a call's outcome as the load names it
// (router.Code's name, "cancelled", "other"): the key ensim run --json gives it
// (scenarios.Calls), with _ for the - of "no-leader", "not-leader" and "hop-limit".
func callsKey(outcome string) string { return strings.ReplaceAll(outcome, "-", "_") }

// do carries out one step; its error names the step.
func do(ctx context.Context, c *realcluster.Cluster, nw *netns.Net, cl *realcluster.Client, st Step) error {
	n := c.Node(st.Node)
	if n == nil && st.Action != "lead" {
		// NewPlan aims steps at nodes only; this guards against a plan built otherwise.
		return fmt.Errorf("%v: no such node", st)
	}
	var err error
	switch st.Action {
	case "crash":
		err = n.Kill()
	case "restart":
		err = n.Start()
	case "pause":
		err = n.Pause()
	case "resume":
		err = n.Resume()
	case "cut":
		err = nw.Cut(st.Node)
	case "restore":
		err = nw.Restore(st.Node)
	case "lead":
		return cl.Lead(ctx, st.Ensemble, st.Node) // its error names the step: "lead e1 on n2: ..."
	}
	if err != nil {
		return fmt.Errorf("%v: %w", st, err)
	}
	return nil
}

// quiesce ends every fault (thaws, restores, restarts), waits for the cluster to
// connect, then checks no-leak: every node's mailboxes and send queues drain, all
// within wait. Then the nodes stop on SIGTERM, which must be clean. It returns the
// violations.
func quiesce(ctx context.Context, c *realcluster.Cluster, nw *netns.Net, wait time.Duration) []string {
	var out []string
	for _, n := range c.Nodes() {
		_ = n.Resume()
		if nw != nil {
			_ = nw.Restore(n.ID)
		}
		if !n.Running() {
			_ = n.Start()
		}
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := c.WaitConnected(wctx); err != nil {
		return append(out, fmt.Sprintf("liveness: the cluster did not reconnect after the faults: %v", err))
	}
	// A request the end of the wait cuts off says nothing of the queues: Eventually
	// keeps what the answer before it said.
	err := realcluster.Eventually(wctx, 20*time.Millisecond, func() (bool, string) {
		for _, n := range c.Nodes() {
			m, err := n.Metrics(wctx)
			if err != nil {
				return false, err.Error()
			}
			if busy := realcluster.Busy(m); busy != "" {
				return false, n.ID + ": " + busy
			}
		}
		return true, ""
	})
	if err != nil {
		out = append(out, fmt.Sprintf("no-leak: queues did not drain: %v", err))
	}
	for _, n := range c.Nodes() {
		if err := n.Term(5 * time.Second); err != nil {
			out = append(out, fmt.Sprintf("shutdown: %v", err))
		}
	}
	return out
}
