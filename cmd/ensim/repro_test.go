package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zeebo/xxh3"

	"github.com/ensroute/ensroute/scenarios"
)

// TestReplayGoRunAtModuleRoot: the go run command that replays a repro, whose path
// is relative to the current directory, is printed only where it works: in the
// module's root, which holds the module's go.mod; not in another directory, nor in
// another module's root. The ensim replay command is printed everywhere.
func TestReplayGoRunAtModuleRoot(t *testing.T) {
	root, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if got := goModPath(root); got != modulePath {
		t.Fatalf("the module's go.mod names %q, modulePath is %q", got, modulePath)
	}
	const goRun = "  go run ./cmd/ensim replay 'a b.json'\n"
	for _, tc := range []struct {
		name, gomod string // "": no go.mod
		want        bool
	}{
		{name: "no go.mod"},
		{name: "another module", gomod: "module example.com/other\n\ngo 1.26.0\n"},
		{name: "a module inside this one's path", gomod: "module " + modulePath + "/cmd\n"},
		{name: "the module's own", gomod: string(root), want: true},
		{name: "quoted, with a comment", gomod: "// the module\nmodule \"" + modulePath + "\" // ensroute\n", want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if tc.gomod != "" {
				if err := os.WriteFile("go.mod", []byte(tc.gomod), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var b strings.Builder
			printReplay(&b, "a b.json", nil)
			if got := b.String(); strings.Contains(got, goRun) != tc.want || !strings.Contains(got, "\n  ensim replay 'a b.json'\n") {
				t.Errorf("go run shown: %v, want %v:\n%s", strings.Contains(got, goRun), tc.want, got)
			}
		})
	}
}

func TestFailureWritesReproAndReplayCommand(t *testing.T) {
	spec := failingSpec(t)
	specPath := writeFile(t, "fail.json", spec.JSON())
	dir := t.TempDir()
	t.Chdir(dir) // the default repro path is the current directory

	code, stdout, stderr := ensim(t, "run", "--spec", specPath, "--semantics", "riak", "--seed", "7")
	if code != exitFail {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, exitFail, stderr)
	}
	const file = "ensim-repro-timed-out-riak-7.json"
	for _, want := range []string{
		"invariant violations:",
		"  liveness: call ",
		fmt.Sprintf("  and 583 more (the report and the repro keep %d: the first %d of each invariant)\n", scenarios.MaxViolationsKept, scenarios.MaxViolationsKept),
		"repro written to " + file,
		"\n  ensim replay " + file + "\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// Outside the module's root, go run ./cmd/ensim does not build ensim.
	if strings.Contains(stderr, "go run ") {
		t.Errorf("stderr shows a go run command outside the module's root:\n%s", stderr)
	}
	if n := strings.Count(stderr, "  liveness: "); n != maxViolations {
		t.Errorf("stderr lists %d violations, want the first %d", n, maxViolations)
	}
	if !strings.Contains(stdout, "violations    ") || !strings.Contains(stdout, "liveness") {
		t.Errorf("summary does not list the violations:\n%s", stdout)
	}

	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("no repro file: %v", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("repro is not JSON: %v", err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	wantKeys := []string{"ensroute_repro", "module_version", "scenario", "seed", "semantics", "spec", "violations", "violations_total", "violation_counts", "trace_hash"}
	if diff := cmp.Diff(wantKeys, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("repro keys (-want +got):\n%s", diff)
	}
	var rp repro
	if err := json.Unmarshal(data, &rp); err != nil {
		t.Fatal(err)
	}
	if rp.Format != 1 || rp.ModuleVersion == "" || rp.Scenario != "timed-out" || rp.Seed != 7 || rp.Semantics != "riak" ||
		len(rp.Violations) <= maxViolations || len(rp.TraceHash) != 32 ||
		rp.ViolationsTotal < uint64(len(rp.Violations)) || rp.ViolationCounts[scenarios.InvLiveness] != rp.ViolationsTotal {
		t.Errorf("repro header = %d %q %q %d %q, %d of %d violations (%v), hash %q",
			rp.Format, rp.ModuleVersion, rp.Scenario, rp.Seed, rp.Semantics, len(rp.Violations), rp.ViolationsTotal, rp.ViolationCounts, rp.TraceHash)
	}
	if diff := cmp.Diff(spec, rp.Spec); diff != "" {
		t.Errorf("repro spec (-want +got):\n%s", diff)
	}

	// The printed command replays it: same trace, still failing.
	code, stdout, stderr = ensim(t, "replay", file)
	if code != exitFail {
		t.Errorf("replay exit %d, want %d", code, exitFail)
	}
	if !strings.Contains(stdout, "trace hash matches the repro") || !strings.Contains(stderr, "the repro still fails") {
		t.Errorf("replay output:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

// TestFailureWithUnwritableRepro: a failing run whose repro cannot be written (the
// default path, in a working directory that is gone) still reports its violations,
// says why the repro is missing and how to run it again, and exits 1. A --repro FILE
// that cannot be written is refused before the run, as --trace's is.
func TestFailureWithUnwritableRepro(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())
	gone := t.TempDir()
	t.Chdir(gone)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ensim(t, "run", "--spec", specPath, "--seed", "3")
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
	}
	for _, want := range []string{
		"invariant violations",
		"\n  liveness: call ",
		"ensim: the repro could not be written: open ensim-repro-timed-out-default-3.json: no such file or directory\n",
		"run it again, with a repro file that can be written:\n  ensim run --spec " + shellQuote(specPath) + " --seed 3 --semantics default --repro FILE\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "repro written") || strings.Contains(stderr, "ensim replay") {
		t.Errorf("stderr offers a repro that was not written:\n%s", stderr)
	}
	if !strings.Contains(stdout, "violations    ") {
		t.Errorf("no summary on stdout:\n%s", stdout)
	}

	path := filepath.Join(t.TempDir(), "no-such-dir", "mine.json")
	code, stdout, stderr = ensim(t, "run", "--spec", specPath, "--seed", "3", "--repro", path)
	if want := "ensim: --repro: open " + path + ": no such file or directory\n"; code != exitUsage || stderr != want || stdout != "" {
		t.Errorf("--repro into a missing directory: exit %d, stdout %q, stderr %q; want exit %d before the run, and %q", code, stdout, stderr, exitUsage, want)
	}
}

func TestFailureHonoursReproFlag(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())
	path := filepath.Join(t.TempDir(), "mine.json")
	code, stdout, stderr := ensim(t, "run", "--spec", specPath, "--repro", path, "--json")
	if code != exitFail {
		t.Fatalf("exit %d, want %d", code, exitFail)
	}
	if rep := decodeReport(t, stdout); len(rep.Violations) == 0 {
		t.Errorf("report has no violations")
	}
	if !strings.Contains(stderr, "ensim replay "+path) {
		t.Errorf("stderr does not name %s:\n%s", path, stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("repro not written: %v", err)
	}
}

func TestReplay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	code, stdout, stderr := ensim(t, "run", "--scenario", "leader-churn", "--semantics", "riak", "--seed", "5", "--repro", path, "--json")
	if code != exitOK {
		t.Fatalf("run exit %d\n%s", code, stderr)
	}
	want := decodeReport(t, stdout)

	// Flags may follow the file.
	code, stdout, stderr = ensim(t, "replay", path, "--json")
	if code != exitOK {
		t.Fatalf("replay exit %d\n%s", code, stderr)
	}
	got := decodeReport(t, stdout)
	if got.TraceHash != want.TraceHash || got.Seed != 5 || got.Semantics != "riak" {
		t.Errorf("replay = %s seed %d %s, want %s seed 5 riak", got.TraceHash, got.Seed, got.Semantics, want.TraceHash)
	}
	if !strings.Contains(stderr, "trace hash matches the repro") {
		t.Errorf("stderr = %q, want the hash verdict", stderr)
	}
	// The JSON says it too, for a script.
	verdict := func(stdout string) (string, *bool) {
		t.Helper()
		var v struct {
			Recorded string `json:"recorded_trace_hash"`
			Matches  *bool  `json:"trace_hash_matches"`
		}
		if err := json.Unmarshal([]byte(stdout), &v); err != nil {
			t.Fatalf("replay --json: %v\n%s", err, stdout)
		}
		return v.Recorded, v.Matches
	}
	if rec, m := verdict(stdout); rec != want.TraceHash || m == nil || !*m {
		t.Errorf("replay --json: recorded_trace_hash %q, trace_hash_matches %v; want %s and true", rec, m, want.TraceHash)
	}

	// A repro from other code: the hash differs, which alone is not a failure.
	var rp map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &rp); err != nil {
		t.Fatal(err)
	}
	other := strings.Repeat("0", 32)
	rp["trace_hash"] = other
	rp["module_version"] = "v0.0.1"
	data, _ = json.Marshal(rp)
	old := writeFile(t, "old.json", data)
	code, stdout, _ = ensim(t, "replay", old)
	if code != exitOK {
		t.Errorf("replay exit %d, want 0", code)
	}
	for _, w := range []string{"trace hash differs from the repro: was " + other + ", now " + want.TraceHash, "code changed since the repro was written, or the Go release", "v0.0.1", runtime.Version()} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	if code, stdout, _ = ensim(t, "replay", "--json", old); code != exitOK {
		t.Errorf("replay --json exit %d, want 0", code)
	}
	if rec, m := verdict(stdout); rec != other || m == nil || *m {
		t.Errorf("replay --json of another hash: recorded_trace_hash %q, trace_hash_matches %v; want %s and false", rec, m, other)
	}
	// The same build's name on both sides: it cannot be told that the code changed.
	rp["module_version"] = scenarios.ModuleVersion()
	data, _ = json.Marshal(rp)
	code, stdout, _ = ensim(t, "replay", writeFile(t, "same.json", data))
	if code != exitOK || !strings.Contains(stdout, "though the build names itself as the repro's did") || !strings.Contains(stdout, "seed, semantics or spec were edited") || strings.Contains(stdout, "the code changed") {
		t.Errorf("exit %d; replay by a build of the same name:\n%s", code, stdout)
	}
	// A property test's repro of a run with a bug injected, by the same build: the
	// hash differs for that reason, which replay names instead of doubting the
	// simulator's determinism.
	rp["injected_bugs"] = []string{"drop-hop-count"}
	rp["violations"] = []any{map[string]any{"invariant": "hop-bound", "call": "n1.1.1", "detail": "x"}}
	rp["violations_total"] = 1
	data, _ = json.Marshal(rp)
	code, stdout, _ = ensim(t, "replay", writeFile(t, "injected.json", data))
	if code != exitOK || !strings.Contains(stdout, "trace hash differs from the repro") ||
		!strings.Contains(stdout, "recorded with test-only bugs injected into the router core or the simulator (drop-hop-count), which ensim never injects") ||
		!strings.Contains(stdout, "every invariant holds without the injected bugs; the repro recorded 1 violation with them") ||
		strings.Contains(stdout, "not deterministic") {
		t.Errorf("exit %d; replay of a repro with a bug injected:\n%s", code, stdout)
	}
	rp["injected_bugs"] = []string{"no-such-bug"}
	data, _ = json.Marshal(rp)
	code, _, stderr = ensim(t, "replay", writeFile(t, "badbug.json", data))
	if code != exitUsage || !strings.Contains(stderr, `injected_bugs[0]: "no-such-bug" is no bug this module knows (late-reply, `) {
		t.Errorf("exit %d; replay of a repro naming an unknown bug:\n%s", code, stderr)
	}
	delete(rp, "injected_bugs")
	delete(rp, "violations")
	delete(rp, "violations_total")
	rp["module_version"] = "v0.0.1"

	// A repro with a trace hash of another format, such as the SHA-256 of the
	// format before v4: the hashes are not compared, and the code is not said to
	// run differently; the run is judged by its violations alone.
	for _, tc := range []struct{ hash, format string }{
		{strings.Repeat("8b", 32), "the format before v4 (SHA-256)"},
		{"0000", "another format"},
	} {
		rp["trace_hash"] = tc.hash
		data, _ = json.Marshal(rp)
		code, stdout, _ = ensim(t, "replay", writeFile(t, "format.json", data))
		if code != exitOK {
			t.Errorf("replay of a %d-digit hash: exit %d, want 0", len(tc.hash), code)
		}
		line := "trace hash not compared: the repro's is in " + tc.format + ": was " + tc.hash + ", now " + want.TraceHash + " (v4, xxh3-128)\n"
		if !strings.Contains(stdout, line) || !strings.Contains(stdout, "the hash format changed") || !strings.Contains(stdout, "v0.0.1") ||
			strings.Contains(stdout, "differs") || strings.Contains(stdout, "code changed") {
			t.Errorf("replay of a %d-digit hash, want %q and no claim that the run changed:\n%s", len(tc.hash), line, stdout)
		}
		// The JSON has nothing to compare either: trace_hash_matches is null, not false.
		code, stdout, _ = ensim(t, "replay", "--json", writeFile(t, "format.json", data))
		if rec, m := verdict(stdout); code != exitOK || rec != tc.hash || m != nil {
			t.Errorf("replay --json of a %d-digit hash: exit %d, recorded_trace_hash %q, trace_hash_matches %v; want 0, %s and null", len(tc.hash), code, rec, m, tc.hash)
		}
	}

	// A repro without a trace hash (written by hand, or trimmed): nothing to
	// compare, and no claim that the code changed.
	delete(rp, "trace_hash")
	data, _ = json.Marshal(rp)
	code, stdout, _ = ensim(t, "replay", writeFile(t, "nohash.json", data))
	if code != exitOK {
		t.Errorf("replay exit %d, want 0", code)
	}
	if !strings.Contains(stdout, "the repro records no trace hash to compare with\n") || strings.Contains(stdout, "differs") || strings.Contains(stdout, "code changed") {
		t.Errorf("replay of a repro without a trace hash:\n%s", stdout)
	}

	// What the repro recorded is its count of every violation, not the few it kept;
	// a repro without the count (written by hand, or before violations were
	// counted) lists them all.
	v := map[string]any{"invariant": "liveness", "call": "n1.1.1", "detail": "x"}
	for _, tc := range []struct {
		name  string
		total any // nil: no violations_total
		want  string
	}{
		{name: "counted", total: 5000, want: "the repro recorded 5000 violations\n"},
		{name: "not counted", want: "the repro recorded 2 violations\n"},
	} {
		rp["violations"] = []any{v, v}
		delete(rp, "violations_total")
		if tc.total != nil {
			rp["violations_total"] = tc.total
		}
		data, _ = json.Marshal(rp)
		code, stdout, _ = ensim(t, "replay", writeFile(t, "counted.json", data))
		if code != exitOK || !strings.Contains(stdout, "every invariant holds now; "+tc.want) {
			t.Errorf("%s: replay exit %d, want 0 and %q:\n%s", tc.name, code, tc.want, stdout)
		}
	}
}

func TestReplayBadFile(t *testing.T) {
	good, _ := scenarios.Named("steady")
	repro := func(edit func(m map[string]any)) []byte {
		m := map[string]any{"ensroute_repro": 1, "module_version": "x", "scenario": "steady", "seed": 1,
			"semantics": "default", "spec": json.RawMessage(good.JSON()), "violations": []any{}, "trace_hash": "00"}
		edit(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	edit := func(b []byte, old, new string) []byte {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("%s lacks %s", b, old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		// A spec given for a repro gets the command that runs it.
		{name: "a spec", data: good.JSON(), want: `not a repro file (no "ensroute_repro" key); for a spec use ensim run --spec /`},
		// A trace record has both a time and a kind: an object with a "t" alone is
		// no trace.
		{name: "an object with a t", data: []byte(`{"t": 1}`), want: `not a repro file (no "ensroute_repro" key); for a spec use ensim run --spec /`},
		{name: "malformed", data: []byte(`{"ensroute_repro": 1,`), want: "bad repro file"},
		{name: "future format", data: repro(func(m map[string]any) { m["ensroute_repro"] = 2 }), want: "format 2"},
		{name: "no seed", data: repro(func(m map[string]any) { delete(m, "seed") }), want: "seed: missing"},
		{name: "bad semantics", data: repro(func(m map[string]any) { m["semantics"] = "erlang" }), want: "semantics"},
		{name: "no spec", data: repro(func(m map[string]any) { delete(m, "spec") }), want: "spec: missing"},
		{name: "bad spec", data: repro(func(m map[string]any) { m["spec"] = map[string]any{"nodes": []any{}} }), want: "nodes"},
		{name: "unknown key", data: repro(func(m map[string]any) { m["sed"] = 1 }), want: `"sed"`},
		// encoding/json keeps the last of two keys and takes a key in any case.
		{name: "a key twice", data: edit(repro(func(map[string]any) {}), `"seed":1`, `"seed":1,"seed":2`),
			want: `bad repro file: key "seed" appears twice`},
		{name: "a key in another case", data: edit(repro(func(map[string]any) {}), `"seed":1`, `"Seed":1`),
			want: `bad repro file: unknown field "Seed": keys are case-sensitive, want "seed"`},
		{name: "a key twice in the spec", data: edit(repro(func(map[string]any) {}), `"routers":7`, `"routers":7,"routers":3`),
			want: `bad repro file: spec: key "routers" appears twice`},
		{name: "a key in another case in the spec", data: edit(repro(func(map[string]any) {}), `"hop_limit":4`, `"Hop_Limit":4`),
			want: `bad repro file: spec: unknown field "Hop_Limit": keys are case-sensitive, want "hop_limit"`},
		// The whole file is held to what a spec is, and every message names the
		// key's path: encoding/json's own errors name Go types, or no path.
		{name: "an unknown key deep in the spec", data: edit(repro(func(map[string]any) {}), `"rate":2000`, `"rate":2000,"rat":5`),
			want: `bad repro file: spec.workload: unknown field "rat"`},
		{name: "an unknown key in a violation", data: repro(func(m map[string]any) {
			m["violations"] = []any{map[string]any{"invariant": "liveness", "detail": "x"}, map[string]any{"invariant": "liveness", "calls": "n1.1.1"}}
		}), want: `bad repro file: violations[1]: unknown field "calls"`},
		{name: "a violation's key in another case", data: repro(func(m map[string]any) {
			m["violations"] = []any{map[string]any{"Invariant": "liveness", "detail": "x"}}
		}), want: `bad repro file: violations[0]: unknown field "Invariant": keys are case-sensitive, want "invariant"`},
		{name: "a count twice", data: edit(repro(func(m map[string]any) { m["violation_counts"] = map[string]any{"liveness": 1} }),
			`"liveness":1`, `"liveness":1,"liveness":7`),
			want: `bad repro file: violation_counts: key "liveness" appears twice`},
		{name: "a negative seed", data: repro(func(m map[string]any) { m["seed"] = -1 }),
			want: `bad repro file: seed: want an integer of 0 or more, got the number -1`},
		{name: "a null spec", data: repro(func(m map[string]any) { m["spec"] = nil }), want: "bad repro file: spec: missing"},
		{name: "a hash not in hex", data: repro(func(m map[string]any) { m["trace_hash"] = "xyz" }),
			want: `bad repro file: trace_hash: "xyz", want lower-case hex digits (32 of them since the v4 trace hash), or none`},
		{name: "a hash of an odd length", data: repro(func(m map[string]any) { m["trace_hash"] = "abc" }), want: `trace_hash: "abc"`},
		{name: "empty", data: nil, want: "bad repro file: no repro: the input is empty, want a JSON object"},
		// A second object after the first, as two files written into one: the replay
		// would run the first and never say that there was more.
		{name: "trailing data", data: append(repro(func(map[string]any) {}), []byte(`{"ensroute_repro": 1}`)...),
			want: "bad repro file: trailing data after the repro object"},
		{name: "count below the list", data: repro(func(m map[string]any) {
			m["violations"] = []any{map[string]any{"invariant": "liveness", "detail": "x"}}
			m["violations_total"] = 0
		}), want: "violations_total: 0, fewer than the 1 violations listed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, "replay", writeFile(t, "r.json", tc.data))
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

// built is the ensim binary the tests that run it as a process share (ensimBinary),
// and the directory TestMain removes.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// ensimBinary builds the ensim binary, once per test process, and returns its path.
func ensimBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "ensim-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "ensim")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// TestReplayInFreshProcess runs the real binary and checks that a repro written by
// one process replays to the same trace hash in another.
func TestReplayInFreshProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ensim binary; skipped in -short mode")
	}
	dir := t.TempDir()
	bin := ensimBinary(t)
	exe := func(wantCode int, args ...string) scenarios.Report {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		code := exitCodeOf(t, cmd.Run())
		if code != wantCode {
			t.Fatalf("ensim %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, errOut.String())
		}
		return decodeReport(t, out.String())
	}
	path := filepath.Join(dir, "r.json")
	first := exe(exitOK, "run", "--scenario", "partition-heal", "--seed", "3", "--repro", path, "--json")
	again := exe(exitOK, "replay", path, "--json")
	if first.TraceHash != again.TraceHash {
		t.Errorf("replay in a fresh process: trace hash %s, want %s", again.TraceHash, first.TraceHash)
	}

	// The failing path end to end: exit 1 and a repro that a fresh process replays.
	fail := filepath.Join(dir, "fail-repro.json")
	failed := exe(exitFail, "run", "--spec", writeFile(t, "fail.json", failingSpec(t).JSON()), "--repro", fail, "--json")
	replayed := exe(exitFail, "replay", "--json", fail)
	if failed.TraceHash != replayed.TraceHash || len(replayed.Violations) != len(failed.Violations) {
		t.Errorf("failing replay: %s with %d violations, want %s with %d",
			replayed.TraceHash, len(replayed.Violations), failed.TraceHash, len(failed.Violations))
	}
}

func TestDefaultReproPath(t *testing.T) {
	tests := []struct {
		name, scenario string
		want           string
	}{
		{name: "named", scenario: "slow-leader", want: "ensim-repro-slow-leader-default-9.json"},
		{name: "unnamed", scenario: "", want: "ensim-repro-spec-default-9.json"},
		{name: "unsafe characters", scenario: "a b/../c", want: "ensim-repro-a_b_.._c-default-9.json"},
		{name: "at the bound", scenario: strings.Repeat("a", maxReproName), want: "ensim-repro-" + strings.Repeat("a", maxReproName) + "-default-9.json"},
		{name: "past the bound", scenario: strings.Repeat("a", maxReproName+1),
			want: fmt.Sprintf("ensim-repro-%s-%016x-default-9.json", strings.Repeat("a", maxReproName-17), xxh3.HashString(strings.Repeat("a", maxReproName+1)))},
		{name: "long", scenario: strings.Repeat("a", 300),
			want: fmt.Sprintf("ensim-repro-%s-%016x-default-9.json", strings.Repeat("a", maxReproName-17), xxh3.HashString(strings.Repeat("a", 300)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultReproPath(tc.scenario, 0, 9, 0); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "plain", in: "dir/r-1.json", want: "dir/r-1.json"},
		{name: "space", in: "my dir/r.json", want: "'my dir/r.json'"},
		{name: "quote", in: "it's.json", want: `'it'\''s.json'`},
		{name: "empty", in: "", want: "''"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := shellQuote(tc.in); got != tc.want {
				t.Errorf("shellQuote(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestReplayFailingNowSaysWhetherItFailedThen: a repro whose run fails says it still
// fails only if it recorded a failure; one written by --repro of a run that passed
// (or edited since) says that its run fails now and recorded none then.
func TestReplayFailingNowSaysWhetherItFailedThen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := ensim(t, "run", "--spec", writeFile(t, "spec.json", failingSpec(t).JSON()), "--repro", path); code != exitFail {
		t.Fatalf("run exit %d, want 1\n%s", code, stderr)
	}
	const still, now = "ensim: the repro still fails\n", "ensim: the repro's run fails now; it recorded no violation when it was written\n"
	if code, _, stderr := ensim(t, "replay", path); code != exitFail || !strings.Contains(stderr, still) || strings.Contains(stderr, now) {
		t.Errorf("replay of the failure's repro: exit %d, stderr %q; want 1 and %q", code, stderr, still)
	}
	var rp map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &rp); err != nil {
		t.Fatal(err)
	}
	rp["violations"], rp["violations_total"] = []any{}, 0
	delete(rp, "violation_counts")
	data, _ = json.Marshal(rp)
	if code, _, stderr := ensim(t, "replay", writeFile(t, "none.json", data)); code != exitFail || !strings.Contains(stderr, now) || strings.Contains(stderr, still) {
		t.Errorf("replay of a repro that recorded no violation: exit %d, stderr %q; want 1 and %q", code, stderr, now)
	}
}
