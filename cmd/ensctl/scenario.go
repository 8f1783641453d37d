package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/limitfile"
	"github.com/ensroute/ensroute/cmd/internal/netns"
	"github.com/ensroute/ensroute/cmd/internal/realscenario"
	"github.com/ensroute/ensroute/scenarios"
)

// scenarioCmd runs a simulator spec against real ensnode processes that it starts
// (realscenario): ensctl scenario --spec FILE.
func scenarioCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ensctl scenario", flag.ContinueOnError)
	specFile := fs.String("spec", "", "the scenario spec (JSON, as ensim show prints it); required")
	ensnode := fs.String("ensnode", "", "the ensnode program (default: ensnode next to ensctl, else on PATH)")
	useNetns := fs.Bool("netns", false, "run the nodes in network namespaces (needs root; partitions always do)")
	skip := fs.Bool("skip-unsupported", false, "leave out what real processes cannot do, instead of refusing the spec")
	slack := cluster.Duration(fs, "slack", 50*time.Millisecond, "how long past its deadline a call may end; a later one is a violation (exit 1)")
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: ensctl scenario --spec FILE [flags]\n  runs an ensim spec (ensim show NAME > FILE) against ensnode processes it starts\nflags:")
	}
	if err := cluster.Parse(fs, args, stdout, usage, "ensctl scenario -h"); err != nil {
		return err
	}
	if *specFile == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: scenario: want --spec FILE and no argument", cluster.ErrUsage)
	}
	if *slack < 0 {
		return fmt.Errorf("%w: --slack %v: want 0 or more", cluster.ErrUsage, *slack)
	}
	data, err := limitfile.Read(*specFile, maxSpec)
	cluster.FilesRead() // the one file scenario reads: a signal from now on stops the run
	if err != nil {
		return fmt.Errorf("%w: --spec: %w", cluster.ErrUsage, err)
	}
	spec, err := scenarios.Parse(bytes.NewReader(data))
	if err != nil {
		if rp, rerr := scenarios.ParseRepro(bytes.NewReader(data)); rerr == nil {
			return fmt.Errorf("%w: --spec %s: a repro file of ensim, not a spec: its spec (%q) is under its \"spec\" key (jq .spec %s > spec.json)",
				cluster.ErrUsage, *specFile, rp.Spec.Name, *specFile)
		}
		return fmt.Errorf("%w: --spec %s: %w", cluster.ErrUsage, *specFile, err)
	}
	if err := realNames(spec); err != nil {
		return fmt.Errorf("%w: --spec %s: %w", cluster.ErrUsage, *specFile, err)
	}
	// The spec first: refused, it needs no ensnode.
	refused := func(err error) error {
		// The hint to skip holds when the plan is refused for what a skip leaves
		// out, and only that: not for more nodes than MaxNodes, nor for network
		// namespaces this machine lacks (Run's refusal, when the plan itself is
		// fine), where a partition is told that skipping does not help.
		hint := ""
		_, strict := realscenario.NewPlan(spec, false)
		p, skipping := realscenario.NewPlan(spec, true)
		switch {
		case !*skip && strict != nil && skipping == nil:
			hint = " (--skip-unsupported leaves that out)"
		case errors.Is(err, netns.ErrUnavailable) && p.Netns:
			hint = " (--skip-unsupported does not leave a partition out: it runs where network namespaces do)"
		}
		return fmt.Errorf("%w: --spec %s: %w%s", cluster.ErrUsage, *specFile, err, hint)
	}
	plan, err := realscenario.NewPlan(spec, *skip)
	if err != nil {
		return refused(err)
	}
	// As ensim says before it runs the spec: a fault that will do nothing, left out.
	for _, idle := range plan.Idle {
		fmt.Fprintf(stderr, "ensctl: note: %s: %s\n", *specFile, idle)
	}
	// And, as ensim says too, a fault that begins once every call is over, and a
	// liveness phase that begins after the last call.
	for _, late := range spec.LateFaults() {
		fmt.Fprintf(stderr, "ensctl: note: %s: %s\n", *specFile, late)
	}
	if note := spec.LivenessNote(); note != "" {
		fmt.Fprintf(stderr, "ensctl: note: %s: %s\n", *specFile, note)
	}
	if *useNetns && !plan.Netns {
		if err := netns.Available(); err != nil {
			return fmt.Errorf("%w: --netns: %w", cluster.ErrUsage, err)
		}
	}
	bin, err := findEnsnode(*ensnode)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ensctl-scenario-")
	if err != nil {
		return err
	}
	var progress io.Writer = stderr
	if *jsonOut {
		progress = nil
	}
	rep, err := realscenario.Run(ctx, spec, realscenario.Options{Ensnode: bin, Dir: dir, Netns: *useNetns, Skip: *skip,
		Slack: *slack, Progress: progress})
	if errors.Is(err, realscenario.ErrUnsupported) {
		_ = os.RemoveAll(dir)
		return refused(err)
	}
	if rep.Scenario != "" {
		printReport(stdout, rep, *jsonOut)
	}
	if rep.Interrupted || ctx.Err() != nil {
		// Interrupted, at whatever point: run says so (exit 130); nothing failed, so
		// the logs go too.
		_ = os.RemoveAll(dir)
		return err
	}
	if err != nil {
		return fmt.Errorf("%w (node logs in %s)", err, dir)
	}
	_ = os.RemoveAll(dir)
	return nil
}

// maxSpec is the most read of a --spec file: far more than any holds.
const maxSpec = 256 << 20

// realNames checks that the spec's node and ensemble names are names ensnode takes:
// a simulated node may be called "n 5", and ensnode, started with it, would refuse
// it only once every process of the run was starting.
func realNames(spec scenarios.Spec) error {
	type named struct{ field, name string }
	var names []named
	for i, n := range spec.Nodes {
		names = append(names, named{fmt.Sprintf("nodes[%d]", i), n})
	}
	for i, e := range spec.Ensembles {
		names = append(names, named{fmt.Sprintf("ensembles[%d].name", i), e.Name})
	}
	for _, n := range names {
		if err := cluster.CheckName(n.field, n.name); err != nil {
			return fmt.Errorf("%s (ensnode takes no such name)", strings.TrimPrefix(err.Error(), cluster.ErrUsage.Error()+": "))
		}
	}
	// A node's name also names its log file in the run's directory, and the client
	// that makes the calls has a name of its own.
	for i, n := range spec.Nodes {
		switch {
		case strings.ContainsAny(n, `/\`) || n == "." || n == "..":
			return fmt.Errorf("nodes[%d] %q: a node's name names its log file, so it may not hold / or \\ or be . or ..", i, n)
		case n == realscenario.ClientID:
			return fmt.Errorf("nodes[%d] %q: the name of the client that makes the calls; give the node another", i, n)
		}
	}
	return nil
}

// findEnsnode returns the ensnode program to run.
func findEnsnode(flagValue string) (string, error) {
	if flagValue != "" {
		fi, err := os.Stat(flagValue)
		switch {
		case err != nil:
			return "", fmt.Errorf("%w: --ensnode: %w", cluster.ErrUsage, err)
		case !fi.Mode().IsRegular():
			return "", fmt.Errorf("%w: --ensnode %s: not a file (a directory?)", cluster.ErrUsage, flagValue)
		}
		if err := runnable(flagValue, fi); err != nil {
			return "", fmt.Errorf("%w: --ensnode %s: %w", cluster.ErrUsage, flagValue, err)
		}
		// The file checked, not one of that name on PATH (exec looks a bare name up
		// there).
		abs, err := filepath.Abs(flagValue)
		if err != nil {
			return "", fmt.Errorf("%w: --ensnode: %w", cluster.ErrUsage, err)
		}
		return abs, nil
	}
	if self, err := os.Executable(); err == nil {
		sibling := filepath.Join(filepath.Dir(self), "ensnode")
		if _, err := os.Stat(sibling); err == nil {
			return sibling, nil
		}
	}
	p, err := exec.LookPath("ensnode")
	if err != nil {
		return "", fmt.Errorf("%w: no ensnode next to ensctl or on PATH: build it (go build -o bin/ ./cmd/ensnode ./cmd/ensctl) or give --ensnode", cluster.ErrUsage)
	}
	return p, nil
}

// runnable says why the regular file path, of info fi, is no program this machine
// runs, or returns nil: it is executable and starts as one (an ELF header, or a #!
// line for a script). Started, ensnode would fail only once the run's directory was
// made, for each node.
func runnable(path string, fi os.FileInfo) error {
	if fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("not executable (mode %v)", fi.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if head = head[:n]; !bytes.HasPrefix(head, []byte("\x7fELF")) && !bytes.HasPrefix(head, []byte("#!")) {
		return errors.New("not a program (neither an ELF header nor a #! line)")
	}
	return nil
}

func printReport(w io.Writer, r realscenario.Report, asJSON bool) {
	if asJSON {
		if r.Violations == nil {
			r.Violations = []string{} // [], not null, when none
		}
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	d := func(ns int64) time.Duration { return time.Duration(ns).Round(10 * time.Microsecond) }
	netns := ""
	if r.Netns {
		netns = ", in network namespaces"
	}
	fmt.Fprintf(w, "scenario    %s (real processes%s: %d nodes, %d routers each)\n", r.Scenario, netns, r.Nodes, r.RoutersPerNode)
	if r.Interrupted && r.InterruptedDuring == realscenario.DuringStartup {
		fmt.Fprintln(w, "interrupted while the cluster started: no call was made")
		return
	}
	interrupted := ""
	switch {
	case r.Interrupted && r.InterruptedDuring == realscenario.DuringChecks:
		interrupted = " (interrupted in the checks after the workload: the no-leak and shutdown checks were not made)"
	case r.Interrupted:
		interrupted = " (interrupted: the deadline, no-leak and shutdown checks were not made)"
	}
	fmt.Fprintf(w, "wall time   %v%s\n", d(r.WallTimeNS), interrupted)
	names := make([]string, 0, len(r.Calls))
	for k := range r.Calls {
		if k != "total" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	fmt.Fprintf(w, "calls       %d", r.Calls["total"])
	for _, k := range names {
		// The outcome's name as ensim run prints it: no-leader, not-leader, hop-limit
		// (the JSON's keys are ensim run --json's: no_leader, ...).
		fmt.Fprintf(w, "  %s %d", strings.ReplaceAll(k, "_", "-"), r.Calls[k])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "late        %d replies discarded\n", r.Late)
	worst := fmt.Sprintf("worst past the deadline %v", d(r.WorstOverNS))
	if r.WorstOverNS <= 0 {
		worst = "none past the deadline"
	}
	fmt.Fprintf(w, "latency     p50 %v  p99 %v  max %v (deadline %v, slack %v, %s)\n",
		d(r.LatencyNS["p50"]), d(r.LatencyNS["p99"]), d(r.LatencyNS["max"]), d(r.TimeoutNS), d(r.SlackNS), worst)
	if r.StartLagNS != nil {
		fmt.Fprintf(w, "start lag   p99 %v  max %v (calls started after they were due; latency counts from the start)\n",
			d(r.StartLagNS["p99"]), d(r.StartLagNS["max"]))
	}
	fmt.Fprintf(w, "sched delay %v at worst (a timer's wake-up in ensctl past its time)\n", d(r.SchedDelayNS))
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped     %s\n", s)
	}
	for _, s := range r.NotApplied {
		fmt.Fprintf(w, "not applied %s\n", s)
	}
	for _, s := range r.FailedSteps {
		fmt.Fprintf(w, "step failed %s; the run went on without it\n", s)
	}
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "violations  none")
	}
	for _, v := range r.Violations {
		fmt.Fprintf(w, "violation   %s\n", v)
	}
}
