package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// ensim runs the command in-process and returns its exit status and output.
func ensim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeFile writes data to name in a fresh temporary directory and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// failingSpec is a world that breaks liveness legitimately: every call times out at
// once, yet the spec demands liveness from 0. Its links take no time, or Validate
// would refuse a liveness phase over links slower than the timeout: a router's
// service time alone outlasts 1ns.
func failingSpec(t *testing.T) scenarios.Spec {
	t.Helper()
	s, ok := scenarios.Named("steady")
	if !ok {
		t.Fatal(`scenarios.Named("steady") is missing`)
	}
	s.Name = "timed-out"
	s.Description = "every call has 1ns to answer, and times out: each breaks liveness"
	s.Workload.Duration = scenarios.Duration(300 * time.Millisecond)
	s.Workload.Timeout = scenarios.Duration(time.Nanosecond)
	s.Link.Latency = scenarios.Dist{Kind: "constant"}
	s.Liveness = &scenarios.Liveness{From: 0}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// decodeReport decodes ensim's --json output.
func decodeReport(t *testing.T, stdout string) scenarios.Report {
	t.Helper()
	var r scenarios.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
	}
	return r
}

func TestUsage(t *testing.T) {
	input := writeFile(t, "input.json", []byte("{}\n")) // read by the commands below, never written
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // a substring; "" means stdout must be empty
		wantStderr string // a substring; "" means stderr must be empty
		// readsMaxInput: the command reads maxInput bytes before it refuses the file.
		readsMaxInput bool
	}{
		{name: "no command", args: nil, wantCode: exitUsage, wantStderr: "usage: ensim <command>"},
		{name: "help", args: []string{"help"}, wantCode: exitOK, wantStdout: "usage: ensim <command>"},
		{name: "-h", args: []string{"-h"}, wantCode: exitOK, wantStdout: "usage: ensim <command>"},
		{name: "--help", args: []string{"--help"}, wantCode: exitOK, wantStdout: "usage: ensim <command>"},
		{name: "run -h", args: []string{"run", "-h"}, wantCode: exitOK, wantStdout: "\n  --check-determinism\n"},
		{name: "replay --help", args: []string{"replay", "--help"}, wantCode: exitOK, wantStdout: "usage: ensim replay"},
		{name: "help run", args: []string{"help", "run"}, wantCode: exitOK, wantStdout: "\n  --semantics MODE\n"},
		{name: "help help", args: []string{"help", "help"}, wantCode: exitOK, wantStdout: "usage: ensim <command>"},
		{name: "help -h", args: []string{"help", "-h"}, wantCode: exitOK, wantStdout: "usage: ensim <command>"},
		{name: "-h --help", args: []string{"-h", "--help"}, wantCode: exitOK, wantStdout: "usage: ensim <command>"},
		{name: "help run -h", args: []string{"help", "run", "-h"}, wantCode: exitOK, wantStdout: "\n  --semantics MODE\n"},
		{name: "help --help sweep merge", args: []string{"help", "--help", "sweep", "merge"}, wantCode: exitOK, wantStdout: "usage: ensim sweep merge"},
		{name: "help unknown command", args: []string{"help", "bogus"}, wantCode: exitUsage, wantStderr: `unknown command "bogus"`},
		{name: "help of two commands", args: []string{"help", "run", "extra"}, wantCode: exitUsage, wantStderr: `ensim: help takes one command, got ["run" "extra"]`},
		{name: "unknown command", args: []string{"bogus"}, wantCode: exitUsage, wantStderr: `unknown command "bogus"`},
		{name: "list with an argument", args: []string{"list", "x"}, wantCode: exitUsage, wantStderr: "list takes no arguments"},
		{name: "show without a name", args: []string{"show"}, wantCode: exitUsage, wantStderr: "usage: ensim show NAME"},
		{name: "show two names", args: []string{"show", "steady", "steady"}, wantCode: exitUsage, wantStderr: "got 2 arguments"},
		{name: "show unknown scenario", args: []string{"show", "nope"}, wantCode: exitUsage, wantStderr: `unknown scenario "nope"; valid scenarios: ` + strings.Join(scenarios.Names(), ", ")},
		{name: "show a fixed scenario for a seed", args: []string{"show", "steady", "--seed", "5"}, wantCode: exitOK, wantStdout: `"name": "steady"`,
			wantStderr: "ensim: warning: --seed: steady is the same spec for every seed (only swarm draws its spec from the seed)"},
		{name: "show swarm for a seed", args: []string{"show", "swarm", "--seed", "5"}, wantCode: exitOK, wantStdout: `"name": "swarm`},
		{name: "run unknown flag", args: []string{"run", "--scenario", "steady", "--bogus"}, wantCode: exitUsage, wantStderr: "ensim: flag provided but not defined: --bogus"},
		{name: "run unknown scenario", args: []string{"run", "--scenario", "nope"}, wantCode: exitUsage, wantStderr: `unknown scenario "nope"`},
		{name: "run missing spec file", args: []string{"run", "--spec", filepath.Join(t.TempDir(), "missing.json")}, wantCode: exitUsage, wantStderr: "missing.json"},
		{name: "run neither scenario nor spec", args: []string{"run"}, wantCode: exitUsage, wantStderr: "exactly one of --scenario and --spec"},
		{name: "run both scenario and spec", args: []string{"run", "--scenario", "steady", "--spec", "x.json"}, wantCode: exitUsage, wantStderr: "exactly one of --scenario and --spec"},
		{name: "run positional argument", args: []string{"run", "--scenario", "steady", "extra"}, wantCode: exitUsage, wantStderr: "no positional arguments"},
		{name: "run bad seed", args: []string{"run", "--scenario", "steady", "--seed", "abc"}, wantCode: exitUsage, wantStderr: `ensim: invalid value "abc" for flag --seed`},
		{name: "run trace at the default repro", args: []string{"run", "--scenario", "steady", "--seed", "7", "--trace", "ensim-repro-steady-default-7.json"}, wantCode: exitUsage, wantStderr: "--trace ensim-repro-steady-default-7.json and the repro a failure writes (--repro chooses another) ensim-repro-steady-default-7.json name the same file"},
		{name: "run seed with a leading 0", args: []string{"run", "--scenario", "steady", "--seed", "010"}, wantCode: exitUsage, wantStderr: `invalid value "010" for flag --seed: a leading 0 would read as octal`},
		{name: "sweep from with a leading 0", args: []string{"sweep", "--scenario", "steady", "--seeds", "1", "--from", "0_7"}, wantCode: exitUsage, wantStderr: "a leading 0 would read as octal"},
		{name: "run negative seed", args: []string{"run", "--scenario", "steady", "--seed", "-1"}, wantCode: exitUsage, wantStderr: "-seed"},
		{name: "run seed with a plus sign", args: []string{"run", "--scenario", "steady", "--seed", "+5"}, wantCode: exitUsage, wantStderr: `invalid value "+5" for flag --seed: want a whole number without a sign: write 5`},
		{name: "sweep from with a plus sign and a leading 0", args: []string{"sweep", "--scenario", "steady", "--seeds", "1", "--from", "+07"}, wantCode: exitUsage, wantStderr: `invalid value "+07" for flag --from: want a whole number, 0 or more`},
		{name: "run bad semantics", args: []string{"run", "--scenario", "steady", "--semantics", "erlang"}, wantCode: exitUsage, wantStderr: "want default or riak"},
		{name: "run flag without value", args: []string{"run", "--scenario"}, wantCode: exitUsage, wantStderr: "flag needs an argument"},
		{name: "run routers zero", args: []string{"run", "--scenario", "steady", "--routers", "0"}, wantCode: exitUsage, wantStderr: `invalid value "0" for flag --routers: want router instances per node, 1..1024`},
		{name: "run routers too many", args: []string{"run", "--scenario", "steady", "--routers", "1025"}, wantCode: exitUsage, wantStderr: "1..1024"},
		{name: "run routers negative", args: []string{"run", "--scenario", "steady", "--routers", "-3"}, wantCode: exitUsage, wantStderr: "1..1024"},
		{name: "run routers not a number", args: []string{"run", "--scenario", "steady", "--routers", "many"}, wantCode: exitUsage, wantStderr: "1..1024"},
		{name: "compare -h", args: []string{"compare", "-h"}, wantCode: exitOK, wantStdout: "\n  --seeds N\n"},
		{name: "compare unknown flag", args: []string{"compare", "--scenario", "steady", "--seed", "3"}, wantCode: exitUsage, wantStderr: "flag provided but not defined: --seed"},
		{name: "compare routers zero", args: []string{"compare", "--scenario", "steady", "--routers", "0"}, wantCode: exitUsage, wantStderr: "1..1024"},
		{name: "compare routers too many", args: []string{"compare", "--scenario", "steady", "--routers", "4096"}, wantCode: exitUsage, wantStderr: "1..1024"},
		{name: "compare zero seeds", args: []string{"compare", "--scenario", "steady", "--seeds", "0"}, wantCode: exitUsage, wantStderr: `ensim: invalid value "0" for flag --seeds: want a whole number, 1 or more`},
		{name: "compare seeds past the end", args: []string{"compare", "--scenario", "steady", "--from", "18446744073709551615", "--seeds", "2"}, wantCode: exitUsage, wantStderr: "past the largest seed"},
		{name: "compare neither scenario nor spec", args: []string{"compare"}, wantCode: exitUsage, wantStderr: "exactly one of --scenario and --spec"},
		{name: "compare both scenario and spec", args: []string{"compare", "--scenario", "steady", "--spec", "x.json"}, wantCode: exitUsage, wantStderr: "exactly one of --scenario and --spec"},
		{name: "compare positional argument", args: []string{"compare", "steady"}, wantCode: exitUsage, wantStderr: "no positional arguments"},
		{name: "compare unknown scenario", args: []string{"compare", "--scenario", "nope"}, wantCode: exitUsage, wantStderr: `unknown scenario "nope"`},
		{name: "compare missing spec file", args: []string{"compare", "--spec", filepath.Join(t.TempDir(), "missing.json")}, wantCode: exitUsage, wantStderr: "missing.json"},
		{name: "show bad seed", args: []string{"show", "swarm", "--seed", "x"}, wantCode: exitUsage, wantStderr: "-seed"},
		{name: "replay without a file", args: []string{"replay"}, wantCode: exitUsage, wantStderr: "usage: ensim replay"},
		{name: "replay missing file", args: []string{"replay", filepath.Join(t.TempDir(), "missing.json")}, wantCode: exitUsage, wantStderr: "missing.json"},
		{name: "run --trace onto its spec", args: []string{"run", "--spec", input, "--trace", input}, wantCode: exitUsage, wantStderr: "--trace " + input + " is the file the command reads"},
		{name: "run --repro onto its spec", args: []string{"run", "--spec", input, "--repro", input}, wantCode: exitUsage, wantStderr: "--repro " + input + " is the file the command reads"},
		{name: "replay --trace onto its repro", args: []string{"replay", input, "--trace", input}, wantCode: exitUsage, wantStderr: "--trace " + input + " is the file the command reads"},
		{name: "trace --out onto its repro", args: []string{"trace", input, "--out", input}, wantCode: exitUsage, wantStderr: "--out " + input + " is the file the command reads"},
		{name: "replay a trace", args: []string{"replay", writeFile(t, "trace.jsonl", []byte(`{"t":1,"seq":0,"node":"n1","kind":"call"}`+"\n"+`{"t":2,"seq":1,"node":"n1","kind":"send"}`+"\n"))},
			wantCode: exitUsage, wantStderr: "trace.jsonl: not a repro file but a JSON-lines trace"},
		{name: "replay endless file", args: []string{"replay", "/dev/zero"}, wantCode: exitUsage, wantStderr: "/dev/zero: more than 268435456 bytes", readsMaxInput: true},
		{name: "run endless spec", args: []string{"run", "--spec", "/dev/zero"}, wantCode: exitUsage, wantStderr: "/dev/zero: more than 268435456 bytes", readsMaxInput: true},
		{name: "replay unknown flag", args: []string{"replay", "x.json", "--bogus"}, wantCode: exitUsage, wantStderr: "-bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.readsMaxInput && raceEnabled {
				// 256 MB through io.ReadAll: 0.4-3 s, but 25 s under the race detector,
				// which has no goroutines to watch here. go test ./... runs it.
				t.Skip("reads 256 MB; skipped under the race detector")
			}
			code, stdout, stderr := ensim(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, stdout, stderr)
			}
			check := func(stream, got, want string) {
				if want == "" && got != "" {
					t.Errorf("%s = %q, want nothing", stream, got)
				}
				if !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", stream, got, want)
				}
			}
			check("stdout", stdout, tc.wantStdout)
			check("stderr", stderr, tc.wantStderr)
		})
	}
	if b, err := os.ReadFile(input); err != nil || string(b) != "{}\n" {
		t.Errorf("the input file now holds %q (%v): a command wrote over it", b, err)
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantPos  []string
		wantJSON bool
		wantOut  string
	}{
		{name: "flags first", args: []string{"--json", "a"}, wantPos: []string{"a"}, wantJSON: true},
		{name: "flags after", args: []string{"a", "--json", "--out", "f"}, wantPos: []string{"a"}, wantJSON: true, wantOut: "f"},
		{name: "mixed", args: []string{"a", "--out=f", "b", "c"}, wantPos: []string{"a", "b", "c"}, wantOut: "f"},
		{name: "terminator", args: []string{"a", "--", "--json"}, wantPos: []string{"a", "--json"}},
		{name: "none", args: nil, wantPos: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			asJSON := fs.Bool("json", false, "")
			out := fs.String("out", "", "")
			pos, err := parseInterspersed(fs, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPos, pos); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if *asJSON != tc.wantJSON || *out != tc.wantOut {
				t.Errorf("json=%v out=%q, want %v %q", *asJSON, *out, tc.wantJSON, tc.wantOut)
			}
		})
	}
}

func TestList(t *testing.T) {
	code, stdout, stderr := ensim(t, "list")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	names := scenarios.Names()
	if len(lines) != len(names) {
		t.Fatalf("%d lines, want one per scenario (%d):\n%s", len(lines), len(names), stdout)
	}
	col := -1
	for i, name := range names {
		s, _ := scenarios.Named(name)
		want := s.Description
		if b := scenarios.RiakBreaks(name); len(b) > 0 {
			want += "  [riak breaks: " + strings.Join(b, ", ") + "]"
		}
		if !strings.HasPrefix(lines[i], name+" ") || !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d = %q, want %s, its description and what riak breaks", i, lines[i], name)
		}
		// Descriptions start in the same column.
		c := strings.Index(lines[i], s.Description)
		if col >= 0 && c != col {
			t.Errorf("line %d: description at column %d, want %d", i, c, col)
		}
		col = c
	}
}

func TestListLine(t *testing.T) {
	tests := []struct {
		name   string
		breaks []string
		want   string
	}{
		{name: "nothing broken", breaks: nil, want: "steady     a healthy cluster\n"},
		{name: "empty list", breaks: []string{}, want: "steady     a healthy cluster\n"},
		{name: "one", breaks: []string{"liveness"}, want: "steady     a healthy cluster  [riak breaks: liveness]\n"},
		{name: "two", breaks: []string{"deadline", "liveness"}, want: "steady     a healthy cluster  [riak breaks: deadline, liveness]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := listLine("steady", "a healthy cluster", tc.breaks, 9); got != tc.want {
				t.Errorf("listLine = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestShowSeed(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   scenarios.Spec
		stderr string
	}{
		{name: "swarm seed 5", args: []string{"show", "swarm", "--seed", "5"}, want: scenarios.Swarm(5)},
		{name: "swarm default seed", args: []string{"show", "swarm"}, want: scenarios.Swarm(1)},
		{name: "fixed scenario ignores the seed, and says so", args: []string{"show", "--seed", "5", "steady"}, want: mustNamed(t, "steady"),
			stderr: "ensim: warning: --seed: steady is the same spec for every seed (only swarm draws its spec from the seed); the seed goes to ensim run\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, tc.args...)
			if code != exitOK || stderr != tc.stderr {
				t.Fatalf("exit %d, stderr %q; want 0 and %q", code, stderr, tc.stderr)
			}
			got, err := scenarios.Parse(strings.NewReader(stdout))
			if err != nil {
				t.Fatalf("show output does not parse: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("show (-want +got):\n%s", diff)
			}
		})
	}
}

func mustNamed(t *testing.T, name string) scenarios.Spec {
	t.Helper()
	s, ok := scenarios.Named(name)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	return s
}

func TestShowRoundTrips(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, "show", name)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			got, err := scenarios.Parse(strings.NewReader(stdout))
			if err != nil {
				t.Fatalf("show output does not parse: %v", err)
			}
			want, _ := scenarios.Named(name)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("show %s round trip (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestOutputWriteFails: a command whose output cannot be written (stdout on a full
// disk, under > summary.json) says so and exits 2, not 0, so that a later step does
// not read a file that never got its summary; one that found a failure still exits
// 1.
func TestOutputWriteFails(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // sweep's repro files
	fail := writeFile(t, "fail.json", failingSpec(t).JSON())
	_, summary, stderr := ensim(t, "sweep", "--scenario", "steady", "--seeds", "2", "--parallel", "1", "--json")
	if summary == "" {
		t.Fatalf("no sweep summary to merge:\n%s", stderr)
	}
	shard := writeFile(t, "shard.json", []byte(summary))
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "list", args: []string{"list"}, want: exitUsage},
		{name: "help", args: []string{"help"}, want: exitUsage},
		{name: "help run", args: []string{"help", "run"}, want: exitUsage},
		{name: "run -h", args: []string{"run", "-h"}, want: exitUsage},
		{name: "sweep merge --help", args: []string{"sweep", "merge", "--help"}, want: exitUsage},
		{name: "show", args: []string{"show", "steady"}, want: exitUsage},
		{name: "compare", args: []string{"compare", "--scenario", "steady", "--seeds", "1"}, want: exitUsage},
		{name: "compare --json", args: []string{"compare", "--scenario", "steady", "--seeds", "1", "--json"}, want: exitUsage},
		{name: "failing compare", args: []string{"compare", "--spec", fail, "--seeds", "1"}, want: exitFail},
		{name: "sweep", args: []string{"sweep", "--scenario", "steady", "--seeds", "1", "--parallel", "1"}, want: exitUsage},
		{name: "sweep --json", args: []string{"sweep", "--scenario", "steady", "--seeds", "1", "--parallel", "1", "--json"}, want: exitUsage},
		{name: "failing sweep", args: []string{"sweep", "--spec", fail, "--seeds", "1", "--parallel", "1", "--json"}, want: exitFail},
		{name: "sweep merge", args: []string{"sweep", "merge", shard}, want: exitUsage},
		{name: "sweep merge --human", args: []string{"sweep", "merge", shard, "--human"}, want: exitUsage},
		{name: "trace", args: []string{"trace", "--scenario", "steady", "--to", "10ms"}, want: exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var errOut bytes.Buffer
			code := run(context.Background(), tc.args, failWriter{}, &errOut)
			if code != tc.want || !strings.Contains(errOut.String(), "ensim: writing the output: no space left on device\n") {
				t.Errorf("exit %d, want %d and the write error; stderr:\n%s", code, tc.want, errOut.String())
			}
		})
	}
}

// TestUsageErrorsPointAtTheFlags: a usage error found after the flags parse, as one
// of a flag, ends with where the command's flags are listed; every command with
// flags is named after its synopsis.
func TestUsageErrorsPointAtTheFlags(t *testing.T) {
	for name, c := range commands {
		if got, ok := synopsisOf[c.synopsis]; name != "list" && (!ok || got != name) {
			t.Errorf("the synopsis of %s names %q", name, got)
		}
	}
	for _, args := range [][]string{
		{"sweep", "--scenario", "steady", "--seeds", "2", "--parallel", "0"},
		{"sweep", "--scenario", "steady", "--seeds", "2", "--parallel", "x"},
		{"sweep", "merge"},
		{"run"},
	} {
		code, _, stderr := ensim(t, args...)
		name := args[0]
		if len(args) > 1 && args[1] == "merge" {
			name = "sweep merge"
		}
		if want := "\n(ensim help " + name + " lists the flags)\n"; code != exitUsage || !strings.HasSuffix(stderr, want) {
			t.Errorf("%v: exit %d, stderr %q; want %d, ending %q", args, code, stderr, exitUsage, want)
		}
	}
}

// TestUintFlagBases checks the forms a seed may take: decimal, 0x, 0o and 0b with
// their prefix, underscores between digits; a leading 0 without a prefix, which
// flag's own reads as octal, is refused.
func TestUintFlagBases(t *testing.T) {
	for v, want := range map[string]uint64{"0": 0, "8": 8, "10": 10, "0o10": 8, "0x10": 16, "0b101": 5, "1_000": 1000} {
		var n uint64
		if err := (uintFlag{n: &n}).Set(v); err != nil || n != want {
			t.Errorf("Set(%q) = %d, %v; want %d", v, n, err, want)
		}
	}
	for _, v := range []string{"010", "00", "0_7", "007"} {
		n := uint64(99)
		err := (uintFlag{n: &n}).Set(v)
		if err == nil || !strings.Contains(err.Error(), "leading 0") || n != 99 {
			t.Errorf("Set(%q) = %d, %v; want the leading 0 refused and the value unchanged", v, n, err)
		}
	}
}
