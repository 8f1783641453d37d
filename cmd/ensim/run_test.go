package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

func TestRunJSONHasEveryField(t *testing.T) {
	// The keys ensim run --json must print (README.md, "The JSON summary").
	top := []string{"scenario", "seed", "semantics", "nodes", "routers_per_node", "events", "sim_time_ns",
		"wall_time_ns", "events_per_sec", "sim_per_wall", "calls", "late_replies_discarded", "orphan_messages", "latency_ns", "violations", "trace_hash"}
	calls := []string{"total", "ok", "timeout", "no_leader", "not_leader", "unreachable", "hop_limit", "overloaded", "other"}
	latency := []string{"p50", "p99", "max"}
	for _, name := range scenarios.QuickNames() { // scale is Heavy: its shape is tested in scenarios
		for _, sem := range []string{"default", "riak"} {
			t.Run(name+"/"+sem, func(t *testing.T) {
				t.Parallel()
				code, stdout, stderr := ensim(t, "run", "--scenario", name, "--semantics", sem, "--seed", "1", "--json")
				if code != exitOK {
					t.Fatalf("exit %d, want 0\nstderr:\n%s", code, stderr)
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(stdout), &m); err != nil {
					t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
				}
				missing := func(where string, obj map[string]any, keys []string) {
					for _, k := range keys {
						if _, ok := obj[k]; !ok {
							t.Errorf("%s: no key %q", where, k)
						}
					}
				}
				missing("report", m, top)
				c, _ := m["calls"].(map[string]any)
				missing("calls", c, calls)
				l, _ := m["latency_ns"].(map[string]any)
				missing("latency_ns", l, latency)
				if v, ok := m["violations"].([]any); !ok || len(v) != 0 {
					t.Errorf("violations = %#v, want an empty array", m["violations"])
				}
				want := map[string]any{"scenario": name, "seed": 1.0, "semantics": sem}
				got := map[string]any{"scenario": m["scenario"], "seed": m["seed"], "semantics": m["semantics"]}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("identity (-want +got):\n%s", diff)
				}
				if h, _ := m["trace_hash"].(string); len(h) != 32 {
					t.Errorf("trace_hash = %q, want 32 hex digits", h)
				}
				if w, _ := m["wall_time_ns"].(float64); w <= 0 {
					t.Errorf("wall_time_ns = %v, want it measured", m["wall_time_ns"])
				}
				if e, _ := m["events_per_sec"].(float64); e <= 0 {
					t.Errorf("events_per_sec = %v, want it measured", m["events_per_sec"])
				}
			})
		}
	}
}

func TestRunBadSpec(t *testing.T) {
	base, _ := scenarios.Named("steady")
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(base.JSON(), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		spec []byte
		want string // the field the message must name
	}{
		{name: "negative latency", spec: edit(func(m map[string]any) {
			m["link"].(map[string]any)["latency"].(map[string]any)["min"] = "-1ms"
		}), want: "link.latency.min"},
		{name: "member on an unknown node", spec: edit(func(m map[string]any) {
			m["ensembles"].([]any)[0].(map[string]any)["members"].([]any)[0].(map[string]any)["node"] = "n9"
		}), want: `ensembles[0].members[0].node: "n9"`},
		{name: "zero nodes", spec: edit(func(m map[string]any) { m["nodes"] = []any{} }), want: "nodes:"},
		{name: "unknown key", spec: edit(func(m map[string]any) { m["routerz"] = 7 }), want: `"routerz"`},
		{name: "wrong type", spec: edit(func(m map[string]any) { m["routers"] = "seven" }), want: "routers"},
		{name: "bare number duration", spec: edit(func(m map[string]any) { m["detect_after"] = 200 }), want: "detect_after: got the number 200, want a quoted duration"},
		{name: "malformed JSON", spec: []byte(`{"name": "x", "nodes": [`), want: "bad spec"},
		{name: "empty file", spec: nil, want: "bad spec"},
		{name: "null", spec: []byte("null"), want: "spec: want a JSON object, got null"},
		{name: "array", spec: []byte("[1, 2]"), want: "bad spec"},
		{name: "trailing data", spec: append(base.JSON(), "{}"...), want: "trailing data"},
		// Refused before a single call is planned: running it would exhaust memory.
		{name: "a million hours", spec: edit(func(m map[string]any) {
			m["workload"].(map[string]any)["duration"] = "1000000h"
		}), want: "workload.duration: 1000000h0m0s, past the limit of 24h0m0s"},
		{name: "too many calls", spec: edit(func(m map[string]any) {
			m["workload"].(map[string]any)["rate"] = 1e7
		}), want: "workload.rate: 1e+07 calls per second for workload.duration 2s plans about 20000000 calls, past the limit of 4000000 calls per run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "spec.json", tc.spec)
			code, stdout, stderr := ensim(t, "run", "--spec", path)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "ensim: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want \"ensim: \" and a message naming %q", stderr, tc.want)
			}
		})
	}
}

func TestRunSpecFile(t *testing.T) {
	s, _ := scenarios.Named("slow-leader")
	path := writeFile(t, "spec.json", s.JSON())
	code, stdout, stderr := ensim(t, "run", "--spec", path, "--json", "--seed", "2")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	fromFile := decodeReport(t, stdout)
	_, stdout, _ = ensim(t, "run", "--scenario", "slow-leader", "--json", "--seed", "2")
	named := decodeReport(t, stdout)
	if fromFile.TraceHash != named.TraceHash {
		t.Errorf("spec file trace hash %s, named scenario %s: want equal", fromFile.TraceHash, named.TraceHash)
	}
}

// TestSpecIdleFaultNoted: a spec fault that will do nothing (a restart of a node that
// is up) is pointed out on stderr before the run, which runs as the spec says; a spec
// without one gets no note.
func TestSpecIdleFaultNoted(t *testing.T) {
	s, _ := scenarios.Named("steady")
	clean := writeFile(t, "clean.json", s.JSON())
	s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(100 * time.Millisecond), Action: "restart", Node: "n2"})
	path := writeFile(t, "restart.json", s.JSON())
	for _, cmd := range [][]string{{"run", "--spec", path}, {"trace", "--spec", path, "--to", "1ms"}} {
		code, _, stderr := ensim(t, cmd...)
		want := "ensim: note: " + path + ": faults[0]: the restart of n2 at 100ms finds it up (a restart brings back a node a crash took down: crash it first), and does nothing\n"
		if code != exitOK || !strings.HasPrefix(stderr, want) {
			t.Errorf("ensim %s: exit %d, stderr %q; want 0 and the note %q first", cmd[0], code, stderr, want)
		}
	}
	if code, _, stderr := ensim(t, "run", "--spec", clean); code != exitOK || strings.Contains(stderr, "note") {
		t.Errorf("a spec without idle faults: exit %d, stderr %q", code, stderr)
	}
}

// TestSpecRefusesRepro: --spec refuses a repro file, and says what the command at
// hand does with one.
func TestSpecRefusesRepro(t *testing.T) {
	dir := t.TempDir()
	repro := filepath.Join(dir, "r.json")
	if code, _, stderr := ensim(t, "run", "--scenario", "steady", "--repro", repro); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(repro)
	if err != nil {
		t.Fatal(err)
	}
	bom := filepath.Join(dir, "bom.json") // saved by an editor that writes a byte-order mark
	if err := os.WriteFile(bom, append([]byte("\xef\xbb\xbf"), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := ensim(t, "run", "--spec", bom); code != exitUsage || stdout != "" ||
		stderr != "ensim: "+bom+": this is a repro file, not a spec; use ensim replay "+bom+"\n" {
		t.Errorf("a repro with a byte-order mark as --spec: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "run", args: []string{"run"}, want: "use ensim replay " + repro},
		{name: "trace", args: []string{"trace"}, want: "draw it with ensim trace " + repro + ", without --spec"},
		{name: "sweep", args: []string{"sweep", "--seeds", "1"}, want: "ensim replay " + repro + ` runs it; its "spec" is a spec to sweep`},
		{name: "compare", args: []string{"compare"}, want: "ensim replay " + repro + ` runs it; its "spec" is a spec to compare on`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, append(tc.args, "--spec", repro)...)
			want := "ensim: " + repro + ": this is a repro file, not a spec; " + tc.want + "\n"
			if code != exitUsage || stdout != "" || stderr != want {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, want)
			}
		})
	}
}

// TestSpecNotStdin: --spec - is refused by every command that takes a spec, saying
// why and what to do, rather than failing to open a file named "-".
func TestSpecNotStdin(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"trace"}, {"sweep", "--seeds", "1"}, {"compare"}} {
		t.Run(args[0], func(t *testing.T) {
			code, stdout, stderr := ensim(t, append(args, "--spec", "-")...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, "ensim: --spec -: ensim reads a spec from a file, not standard input") ||
				!strings.Contains(stderr, "ensim show steady > spec.json") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

func TestRunTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	code, stdout, stderr := ensim(t, "run", "--scenario", "partition-heal", "--json", "--trace", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	rep := decodeReport(t, stdout)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var n uint64
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", n+1, err, sc.Text())
		}
		if seq, _ := rec["seq"].(float64); uint64(seq) != n {
			t.Fatalf("line %d has seq %v, want %d", n+1, rec["seq"], n)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != rep.TraceEvents {
		t.Errorf("%d trace lines, want trace_events = %d", n, rep.TraceEvents)
	}
}

// TestRunTraceUnwritable: a --trace that cannot be created is bad usage, found
// before the run (of a failing spec here: nothing ran, so no failure goes unsaid).
func TestRunTraceUnwritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "trace.jsonl")
	spec := writeFile(t, "fail.json", failingSpec(t).JSON())
	repro := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := ensim(t, "run", "--spec", spec, "--trace", path, "--repro", repro)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "ensim: --trace: open "+path) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing run, and the flag and file named", code, stdout, stderr)
	}
	if _, err := os.Stat(repro); err == nil {
		t.Errorf("a repro was written, but nothing should have run")
	}
}

// TestTraceWriteFailsAfterTheRun: a trace that cannot be written once the run is
// over (a full disk) is reported, and the run with it: a failing run still reports
// its violations, writes its repro and exits 1, and a replay still says the repro
// fails; a run or a replay that held exits 2, after its report.
func TestTraceWriteFailsAfterTheRun(t *testing.T) {
	const full = "/dev/full" // every write to it fails with ENOSPC
	if _, err := os.Stat(full); err != nil {
		t.Skipf("needs %s, a file that every write to fails: %v", full, err)
	}
	t.Chdir(t.TempDir()) // where a run would write its default repro
	spec := writeFile(t, "fail.json", failingSpec(t).JSON())
	repro := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := ensim(t, "run", "--spec", spec, "--trace", full, "--repro", repro)
	if code != exitFail || !strings.Contains(stdout, "violations    ") {
		t.Errorf("failing run: exit %d, want %d and the report\nstdout:\n%s\nstderr:\n%s", code, exitFail, stdout, stderr)
	}
	for _, want := range []string{"ensim: --trace: write " + full, "invariant violations", "repro written to " + repro} {
		if !strings.Contains(stderr, want) {
			t.Errorf("failing run: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(repro); err != nil {
		t.Fatalf("failing run: no repro: %v", err)
	}

	code, _, stderr = ensim(t, "replay", repro, "--trace", full)
	if code != exitFail || !strings.Contains(stderr, "ensim: --trace: write "+full) || !strings.Contains(stderr, "the repro still fails") {
		t.Errorf("replay: exit %d, want %d, the trace's error and the failure\nstderr:\n%s", code, exitFail, stderr)
	}

	code, stdout, stderr = ensim(t, "run", "--scenario", "steady", "--trace", full)
	if code != exitUsage || !strings.Contains(stdout, "violations    none") || !strings.Contains(stderr, "ensim: --trace: write "+full) {
		t.Errorf("passing run: exit %d, want %d after the report\nstdout:\n%s\nstderr:\n%s", code, exitUsage, stdout, stderr)
	}
	if matches, _ := filepath.Glob("ensim-repro-*.json"); len(matches) > 0 {
		t.Errorf("a passing run wrote %v", matches)
	}

	held := filepath.Join(t.TempDir(), "held.json")
	if code, _, stderr := ensim(t, "run", "--scenario", "steady", "--repro", held); code != exitOK {
		t.Fatalf("run --repro: exit %d\n%s", code, stderr)
	}
	for _, json := range []bool{false, true} {
		args := []string{"replay", held, "--trace", full}
		if json {
			args = append(args, "--json")
		}
		code, stdout, stderr = ensim(t, args...)
		if code != exitUsage || !strings.Contains(stdout+stderr, "trace hash matches the repro") || !strings.Contains(stderr, "ensim: --trace: write "+full) {
			t.Errorf("passing replay (--json %v): exit %d, want %d after the report\nstdout:\n%s\nstderr:\n%s", json, code, exitUsage, stdout, stderr)
		}
	}
}

func TestCheckDeterminism(t *testing.T) {
	for _, name := range scenarios.QuickNames() { // scale is Heavy: its shape is tested in scenarios
		for _, sem := range []string{"default", "riak"} {
			t.Run(name+"/"+sem, func(t *testing.T) {
				t.Parallel()
				code, stdout, stderr := ensim(t, "run", "--scenario", name, "--semantics", sem, "--check-determinism")
				if code != exitOK {
					t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
				}
				if !strings.Contains(stdout, "determinism: 2 runs, same trace hash") {
					t.Errorf("stdout does not report the match:\n%s", stdout)
				}
			})
		}
	}
}

func TestCheckDeterminismJSONKeepsStdoutClean(t *testing.T) {
	code, stdout, stderr := ensim(t, "run", "--scenario", "steady", "--check-determinism", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	decodeReport(t, stdout)
	if !strings.Contains(stderr, "same trace hash") {
		t.Errorf("stderr = %q, want the determinism verdict", stderr)
	}
}

// TestRunCPUProfile: --cpuprofile writes a profile pprof can read (gzip-compressed
// protocol buffers), and an unwritable path is a usage error naming the flag.
func TestRunCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	code, _, stderr := ensim(t, "run", "--scenario", "steady", "--cpuprofile", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("profile is %d bytes and not gzip data", len(b))
	}
	bad := filepath.Join(t.TempDir(), "no-such-dir", "cpu.prof")
	code, _, stderr = ensim(t, "run", "--scenario", "steady", "--cpuprofile", bad)
	if code != exitUsage || !strings.Contains(stderr, "--cpuprofile") {
		t.Errorf("exit %d, stderr %q; want 2 naming --cpuprofile", code, stderr)
	}
}

// failWriter fails every write, as stdout on a full disk does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestReplayNoteWriteFails: a passing replay whose stdout takes the report and then
// fails on the note that follows it (whether the trace hash matches, which a script
// greps for) exits 2 saying the output was lost, not 0.
func TestReplayNoteWriteFails(t *testing.T) {
	held := filepath.Join(t.TempDir(), "held.json")
	if code, _, stderr := ensim(t, "run", "--scenario", "steady", "--repro", held); code != exitOK {
		t.Fatalf("run --repro: exit %d\n%s", code, stderr)
	}
	out := &failOn{substr: "trace hash matches"}
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"replay", held}, out, &errOut)
	if code != exitUsage || !strings.Contains(out.String(), "violations    none") ||
		!strings.Contains(errOut.String(), "ensim: writing the output: no space left on device\n") {
		t.Errorf("exit %d, want %d after the report and the write error\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out.String(), errOut.String())
	}
}

// failOn takes every write until one that holds substr, and fails that one and
// every one after it.
type failOn struct {
	bytes.Buffer
	substr string
	failed bool
}

func (f *failOn) Write(p []byte) (int, error) {
	if f.failed = f.failed || bytes.Contains(p, []byte(f.substr)); f.failed {
		return 0, errors.New("no space left on device")
	}
	return f.Buffer.Write(p)
}

// TestReportWriteFails: a report that cannot be printed does not hide what the run
// found: a failing run or replay says so on stderr, writes its repro and exits 1; a
// run that held exits 2.
func TestReportWriteFails(t *testing.T) {
	t.Chdir(t.TempDir()) // where a run would write its default repro
	spec := writeFile(t, "fail.json", failingSpec(t).JSON())
	repro := filepath.Join(t.TempDir(), "r.json")
	for _, asJSON := range []bool{false, true} {
		args := []string{"run", "--spec", spec, "--repro", repro}
		if asJSON {
			args = append(args, "--json")
		}
		var errOut bytes.Buffer
		code := run(context.Background(), args, failWriter{}, &errOut)
		stderr := errOut.String()
		if code != exitFail {
			t.Errorf("failing run (json %v): exit %d, want %d\n%s", asJSON, code, exitFail, stderr)
		}
		for _, want := range []string{"ensim: writing the output: no space left on device", "invariant violations", "repro written to " + repro} {
			if !strings.Contains(stderr, want) {
				t.Errorf("failing run (json %v): stderr lacks %q:\n%s", asJSON, want, stderr)
			}
		}
	}

	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"replay", repro}, failWriter{}, &errOut); code != exitFail || !strings.Contains(errOut.String(), "the repro still fails") {
		t.Errorf("failing replay: exit %d, want %d and the failure\n%s", code, exitFail, errOut.String())
	}

	errOut.Reset()
	if code := run(context.Background(), []string{"run", "--scenario", "steady"}, failWriter{}, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "writing the output") {
		t.Errorf("passing run: exit %d, want %d and the error\n%s", code, exitUsage, errOut.String())
	}
	if matches, _ := filepath.Glob("ensim-repro-*.json"); len(matches) > 0 {
		t.Errorf("a passing run wrote %v", matches)
	}
}
