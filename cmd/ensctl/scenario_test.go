package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/cmd/internal/realscenario"
	"github.com/ensroute/ensroute/scenarios"
)

func TestMain(m *testing.M) {
	code := m.Run()
	realcluster.RemoveShared()
	os.Exit(code)
}

// programs skips under -short, and otherwise returns ensnode and ensctl built once
// for the test binary (realcluster.BuildShared).
func programs(t *testing.T) realcluster.Bins {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	b, err := realcluster.BuildShared()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScenarioSlack runs a short spec on three ensnode processes in which n2 freezes
// for 300ms under calls with a 100ms deadline: the calls it holds end at their
// deadline, a little past it. With --slack 0 each of them is a deadline violation and
// ensctl exits 1; with a slack longer than any call can overrun, the same spec passes.
func TestScenarioSlack(t *testing.T) {
	bins := programs(t)
	dir := t.TempDir()
	// A failed run keeps its node logs in a directory of TMPDIR: the test's.
	t.Setenv("TMPDIR", t.TempDir())
	s := smokeSpec(t)
	s.Name, s.Elections = "freeze", nil
	s.Workload.Duration = scenarios.Duration(1500 * time.Millisecond)
	s.Faults = []scenarios.Fault{
		{At: scenarios.Duration(300 * time.Millisecond), Action: "pause", Node: "n2"},
		{At: scenarios.Duration(600 * time.Millisecond), Action: "resume", Node: "n2"},
	}
	specFile := writeSpec(t, dir, s)
	for _, tc := range []struct {
		slack string
		exit  int
	}{{"0s", 1}, {"10s", 0}} {
		t.Run("slack "+tc.slack, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errb bytes.Buffer
			code := run(ctx, []string{"scenario", "--spec", specFile, "--ensnode", bins.Ensnode, "--slack", tc.slack, "--json"}, &out, &errb)
			var rep realscenario.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("exit %d, stdout %q, stderr %q: %v", code, out.String(), errb.String(), err)
			}
			t.Logf("slack %s: exit %d, calls %v, worst past the deadline %v, violations %q", tc.slack, code, rep.Calls,
				time.Duration(rep.WorstOverNS), rep.Violations)
			if rep.Calls["timeout"] == 0 {
				t.Fatalf("no call timed out while n2 was frozen: %v", rep.Calls)
			}
			if code != tc.exit {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.exit, errb.String())
			}
			if tc.exit == 1 && (len(rep.Violations) == 0 || !strings.HasPrefix(rep.Violations[0], "deadline: ") ||
				!strings.Contains(errb.String(), "deadline: ")) {
				t.Fatalf("violations %q, stderr %q: want the deadline named", rep.Violations, errb.String())
			}
			// --json prints the report alone: no progress on stderr, and nothing at all
			// when the run passes.
			if tc.exit == 0 && errb.Len() > 0 {
				t.Fatalf("stderr %q of a run that passed, with --json: want nothing", errb.String())
			}
			// A failed run keeps the nodes' logs, and says where.
			if _, dir, ok := strings.Cut(strings.TrimSpace(errb.String()), "(node logs in "); tc.exit == 1 && (!ok || !strings.HasPrefix(dir, os.TempDir())) {
				t.Fatalf("stderr %q: want the directory of the node logs named", errb.String())
			} else if ok {
				if _, err := os.Stat(strings.TrimSuffix(dir, ")")); err != nil {
					t.Fatalf("the directory of the node logs: %v", err)
				}
			}
		})
	}
	// Interrupted while n2 is frozen, with --slack 0 (above, a violation had the run
	// ended): the report says so, of the calls made until then, and holds no
	// violation of a check that needs a whole run; exit 130, nothing left behind. The
	// interruption comes as n2 freezes (its step's progress line), however long the
	// cluster took to start.
	t.Run("interrupted", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out bytes.Buffer
		errb := &cancelOn{match: "pause n2: ok", cancel: cancel}
		code := run(ctx, []string{"scenario", "--spec", specFile, "--ensnode", bins.Ensnode, "--slack", "0s"}, &out, errb)
		report := out.String()
		if code != exitInterrupted || !strings.Contains(report, "(interrupted: the deadline, no-leak and shutdown checks were not made)\n") ||
			!strings.Contains(report, "\nviolations  none\n") || strings.Contains(report, "\ncalls       0") ||
			!strings.HasSuffix(errb.String(), "ensctl: interrupted\n") {
			t.Fatalf("exit %d, report:\n%s\nstderr %q; want 130, interrupted, calls and no violation", code, report, errb.String())
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("left behind in TMPDIR: %v", left)
		}
	})
	// Interrupted before the cluster has started (a signal a moment after ensctl
	// starts): the report says so, exit 130, and the run's directory, which holds the
	// cluster secret and the logs, goes too.
	t.Run("interrupted as it starts", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out, errb bytes.Buffer
		code := run(ctx, []string{"scenario", "--spec", specFile, "--ensnode", bins.Ensnode}, &out, &errb)
		if code != exitInterrupted || !strings.Contains(out.String(), "\ninterrupted while the cluster started: no call was made\n") ||
			strings.Contains(out.String(), "violation") || errb.String() != "ensctl: interrupted\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q; want 130, the report interrupted as the cluster started", code, out.String(), errb.String())
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("left behind in TMPDIR: %v", left)
		}
	})
}

// TestScenarioRefusesEnsnode: an --ensnode that is no program this machine runs (not
// executable, or executable but neither an ELF binary nor a script) is a usage error
// naming --ensnode, exit 2, before the run's directory is made; it used to fail each
// node's start, exit 1, and leave the directory behind.
func TestScenarioRefusesEnsnode(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	specFile := writeSpec(t, dir, smokeSpec(t))
	text := filepath.Join(dir, "text")
	if err := os.WriteFile(text, []byte("n1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ensnode, want string }{
		{specFile, "--ensnode " + specFile + ": not executable (mode -rw-------)"},
		{text, "--ensnode " + text + ": not a program (neither an ELF header nor a #! line)"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"scenario", "--spec", specFile, "--ensnode", tc.ensnode}, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// TestScenarioNetnsUnavailable: where network namespaces cannot be made (here: no ip
// command on PATH), --netns on a spec that cuts nothing is refused naming --netns,
// not the spec; a spec with a partition is refused naming the partition, saying that
// --skip-unsupported does not leave it out. Both exit 2, before the run's directory
// is made.
func TestScenarioNetnsUnavailable(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("PATH", t.TempDir())
	s := smokeSpec(t)
	smoke := writeSpec(t, dir, s)
	s.Name, s.Faults = "cut", []scenarios.Fault{{At: scenarios.Duration(time.Second), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3"}}}
	cut := writeSpec(t, dir, s)
	for _, tc := range []struct {
		args    []string
		want    string
		notWant string
	}{
		{[]string{"--spec", smoke, "--netns"}, "usage: --netns: netns: ", "cuts links"},
		{[]string{"--spec", cut, "--skip-unsupported"}, "the spec cuts links (a partition), which needs network namespaces: netns: ", ""},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"scenario", "--ensnode", exitsAtOnce(t, dir)}, tc.args...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) || tc.notWant != "" && strings.Contains(errb.String(), tc.notWant) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
		if tc.notWant == "" && !strings.Contains(errb.String(), "--skip-unsupported does not leave a partition out") {
			t.Errorf("%q: stderr %q; want it said that --skip-unsupported does not help", tc.args, errb.String())
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// exitsAtOnce writes a script into dir that exits at once, and returns its path: an
// --ensnode that passes the checks before the run.
func exitsAtOnce(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ensnode")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestScenarioRefusesClientFault: a fault aimed at a client (ensctl itself) is refused
// by name before any process starts, exit 2, leaving no directory behind.
func TestScenarioRefusesClientFault(t *testing.T) {
	s := smokeSpec(t)
	s.Clients = []string{"c1"}
	s.Faults = []scenarios.Fault{
		{At: scenarios.Duration(300 * time.Millisecond), Action: "pause", Node: "c1"},
		{At: scenarios.Duration(600 * time.Millisecond), Action: "resume", Node: "c1"},
	}
	specFile := writeSpec(t, t.TempDir(), s)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errb bytes.Buffer
	// The plan is refused before ensnode runs, so any existing file will do.
	code := run(context.Background(), []string{"scenario", "--spec", specFile, "--ensnode", specFile}, &out, &errb)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, w := range []string{"faults[0]: pause of client c1 (the client is ensctl itself)", "faults[1]: resume of client c1", "--skip-unsupported"} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("stderr lacks %q: %s", w, errb.String())
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// TestScenarioRefusesRateLoadCannotPace: a workload rate the simulator takes but the
// load generator cannot pace (1e-10 calls a second: the interval between calls
// overflows a time.Duration, and the load started calls without a pause, for ever) is
// refused by name, exit 2, before any process starts, with no word of
// --skip-unsupported, which would not leave it out.
func TestScenarioRefusesRateLoadCannotPace(t *testing.T) {
	s := smokeSpec(t)
	s.Workload.Rate = 1e-10
	specFile := writeSpec(t, t.TempDir(), s)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"scenario", "--spec", specFile, "--ensnode", specFile}, &out, &errb)
	if want := "workload.rate 1e-10 calls a second: the load starts its calls 1s/rate apart, an interval that must fit a time.Duration (at most 292 years): want at least about 1.08e-10 calls a second"; code != 2 || !strings.Contains(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, errb.String(), want)
	}
	// --skip-unsupported would not leave it out: the message does not suggest it.
	if strings.Contains(errb.String(), "--skip-unsupported") {
		t.Errorf("stderr %q suggests --skip-unsupported, which refuses the spec too", errb.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// TestScenarioRefusesNamesEnsnodeRefuses: a spec whose ensemble names the simulator
// takes but ensnode does not (longer than the protocol carries) is refused by name,
// exit 2, before any process starts. It used to start the run and fail it, exit 1,
// once ensnode refused its flags. Names with a separator in them (a space, a comma,
// an equals sign) the simulator refuses itself, as ensnode does; so does ensctl
// scenario.
func TestScenarioRefusesNamesEnsnodeRefuses(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp) // refused before the run's directory is made: nothing is left there
	s := smokeSpec(t)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	node, ens := s.Nodes[1], s.Ensembles[0].Name
	for _, tc := range []struct {
		from, to, want string
		simRefuses     bool
	}{
		{`"` + node + `"`, `"n 5"`, `nodes[1]: "n 5": ' ' is not allowed in a name`, true},
		{`"` + node + `"`, `"n5=x"`, `nodes[1]: "n5=x": '=' is not allowed in a name`, true},
		{`"` + ens + `"`, `"e3,e4"`, `ensembles[0].name: "e3,e4": ',' is not allowed in a name`, true},
		{`"` + ens + `"`, `"e3=e4"`, `ensembles[0].name: "e3=e4": '=' is not allowed in a name`, true},
		// The protocol carries names of at most 1,024 bytes; the simulator has no such bound.
		{`"` + ens + `"`, `"` + strings.Repeat("e", 1025) + `"`, `ensembles[0].name "eeeeeeeeeeeeeeeeeeee"...: 1025 bytes, the longest name is 1024`, false},
		// A node's name names its log file in the run's directory: no way out of it
		// (a node "../X" wrote /tmp/X.1.log), and the client's own name is taken.
		{`"` + node + `"`, `"../X"`, `nodes[1] "../X": a node's name names its log file`, false},
		{`"` + node + `"`, `"a/b"`, `nodes[1] "a/b": a node's name names its log file`, false},
		{`"` + node + `"`, `".."`, `nodes[1] "..": a node's name names its log file`, false},
		{`"` + node + `"`, `"client"`, `nodes[1] "client": the name of the client that makes the calls`, false},
	} {
		renamed := bytes.ReplaceAll(b, []byte(tc.from), []byte(tc.to))
		if _, err := scenarios.Parse(bytes.NewReader(renamed)); (err != nil) != tc.simRefuses {
			t.Fatalf("%s: the simulator's verdict: %v, want it to refuse the spec: %v", tc.to, err, tc.simRefuses)
		}
		path := filepath.Join(dir, "renamed.json")
		if err := os.WriteFile(path, renamed, 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"scenario", "--spec", path, "--ensnode", path}, &out, &errb)
		ensnodeSays := !tc.simRefuses && strings.HasPrefix(tc.want, "ensembles") // ensnode's own rule, not the run's
		if code != 2 || !strings.Contains(errb.String(), tc.want) || ensnodeSays && !strings.Contains(errb.String(), "ensnode takes no such name") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.to, code, errb.String(), tc.want)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// TestScenarioReportPrint: a run whose slowest call ended before its deadline says
// none ended past it (not a negative time past it), and --json lists no violations
// as [], not null. The start lag is printed when the report has one.
func TestScenarioReportPrint(t *testing.T) {
	r := realscenario.Report{Scenario: "s", Calls: map[string]int64{"total": 3, "ok": 3},
		LatencyNS: map[string]int64{"p50": 1e6, "p99": 2e6, "max": 55e6}, TimeoutNS: 100e6, SlackNS: 50e6, WorstOverNS: -45e6}
	var b bytes.Buffer
	printReport(&b, r, false)
	if !strings.Contains(b.String(), "slack 50ms, none past the deadline)") || !strings.Contains(b.String(), "violations  none") ||
		strings.Contains(b.String(), "start lag") {
		t.Errorf("report:\n%s", b.String())
	}
	r.StartLagNS = map[string]int64{"p99": 670e3, "max": 1204e3}
	b.Reset()
	printReport(&b, r, false)
	if !strings.Contains(b.String(), "\nstart lag   p99 670µs  max 1.2ms (calls started after they were due") {
		t.Errorf("report:\n%s", b.String())
	}
	r.WorstOverNS = 0 // the slowest call ended at its deadline
	b.Reset()
	printReport(&b, r, false)
	if !strings.Contains(b.String(), "none past the deadline)") {
		t.Errorf("report:\n%s", b.String())
	}
	r.WorstOverNS = 2350e3
	b.Reset()
	printReport(&b, r, false)
	if !strings.Contains(b.String(), "worst past the deadline 2.35ms)") {
		t.Errorf("report:\n%s", b.String())
	}
	b.Reset()
	printReport(&b, r, true)
	if !strings.Contains(b.String(), `"violations":[]`) {
		t.Errorf("json: %s", b.String())
	}
	// What was not applied, and the steps that failed, each on a line of its own, in
	// the text and in the JSON.
	r.NotApplied = []string{"peer.honor_budget: the peer works through it"}
	r.FailedSteps = []string{"lead e1 on n2: router: timeout (due at +1.05s)"}
	b.Reset()
	printReport(&b, r, false)
	for _, w := range []string{"\nnot applied peer.honor_budget: the peer works through it\n",
		"\nstep failed lead e1 on n2: router: timeout (due at +1.05s); the run went on without it\n"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, b.String())
		}
	}
	b.Reset()
	printReport(&b, r, true)
	for _, w := range []string{`"not_applied":["peer.honor_budget: the peer works through it"]`,
		`"failed_steps":["lead e1 on n2: router: timeout (due at +1.05s)"]`} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("json lacks %s: %s", w, b.String())
		}
	}
	// Interrupted in the checks after the workload: the deadline check was made.
	r.Interrupted, r.InterruptedDuring = true, realscenario.DuringChecks
	b.Reset()
	printReport(&b, r, false)
	if !strings.Contains(b.String(), " (interrupted in the checks after the workload: the no-leak and shutdown checks were not made)\n") {
		t.Errorf("report:\n%s", b.String())
	}
}

// cancelOn is a bytes.Buffer that calls cancel once a write holds match.
type cancelOn struct {
	bytes.Buffer
	match  string
	cancel func()
}

func (w *cancelOn) Write(b []byte) (int, error) {
	if strings.Contains(string(b), w.match) {
		w.cancel()
	}
	return w.Buffer.Write(b)
}

// smokeSpec returns realscenario's smoke spec.
func smokeSpec(t *testing.T) scenarios.Spec {
	t.Helper()
	f, err := os.Open("../internal/realscenario/testdata/real-smoke.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := scenarios.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeSpec writes s as JSON into dir and returns the file's path.
func writeSpec(t *testing.T, dir string, s scenarios.Spec) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, s.Name+".json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
