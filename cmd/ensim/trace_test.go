package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTraceUsage(t *testing.T) {
	repro := writeFile(t, "repro.json", []byte(`{"ensroute_repro": 1, "seed": 3, "semantics": "default", "spec": `+string(failingSpec(t).JSON())+`}`))
	tests := []struct {
		name       string
		args       []string
		wantStdout string // a substring; "" means stdout must be empty
		wantStderr string // a substring
	}{
		{name: "no source", args: []string{"trace"}, wantStderr: "exactly one of --scenario, --spec and a repro file"},
		{name: "two sources", args: []string{"trace", "--scenario", "steady", repro}, wantStderr: "exactly one of --scenario, --spec and a repro file"},
		{name: "two repro files", args: []string{"trace", repro, repro}, wantStderr: "at most one repro file"},
		{name: "bad format", args: []string{"trace", "--scenario", "steady", "--format", "svg"}, wantStderr: `invalid value "svg" for flag --format: want text, jsonl or html`},
		{name: "bad from", args: []string{"trace", "--scenario", "steady", "--from", "soon"}, wantStderr: `invalid value "soon" for flag --from: want a virtual time: duration "soon": want a number with a unit`},
		{name: "bare number to", args: []string{"trace", "--scenario", "steady", "--to", "500"}, wantStderr: `invalid value "500" for flag --to`},
		{name: "to out of range", args: []string{"trace", "--scenario", "steady", "--to", "99999999h"}, wantStderr: `invalid value "99999999h" for flag --to: want a virtual time: duration "99999999h": out of range, longer than 2562047h47m16.854775807s`},
		{name: "from out of range, in pieces", args: []string{"trace", "--scenario", "steady", "--from", "2562047h47m17s"}, wantStderr: `invalid value "2562047h47m17s" for flag --from: want a virtual time: duration "2562047h47m17s": out of range, longer than 2562047h47m16.854775807s`},
		{name: "bad from with units", args: []string{"trace", "--scenario", "steady", "--from", "1.5xs"}, wantStderr: `invalid value "1.5xs" for flag --from: want a virtual time: duration "1.5xs": want a number with a unit`},
		{name: "negative from", args: []string{"trace", "--scenario", "steady", "--from", "-1ms"}, wantStderr: `invalid value "-1ms" for flag --from: want a virtual time, not negative`},
		{name: "to before from", args: []string{"trace", "--scenario", "steady", "--from", "2ms", "--to", "1ms"}, wantStderr: "--to: 1ms is before --from 2ms"},
		{name: "to at zero", args: []string{"trace", "--scenario", "steady", "--to", "0s"}, wantStderr: "--to: want a time after 0s"},
		{name: "unknown call", args: []string{"trace", "--scenario", "steady", "--call", "n9.1.1"}, wantStderr: "--call: traceview: no such call: n9.1.1 (the trace starts"},
		{name: "bad cast", args: []string{"trace", "--scenario", "direct", "--cast", "x3"}, wantStderr: `invalid value "x3" for flag --cast: want a cast's name as the trace writes it: s and the cast's number, e.g. s3`},
		{name: "cast zero", args: []string{"trace", "--scenario", "direct", "--cast", "s0"}, wantStderr: `invalid value "s0" for flag --cast`},
		{name: "unknown cast", args: []string{"trace", "--scenario", "direct", "--cast", "s99999"}, wantStderr: "--cast: traceview: no such cast: s99999 (the trace makes 991 casts)"},
		{name: "no casts", args: []string{"trace", "--scenario", "steady", "--cast", "s1"}, wantStderr: "--cast: traceview: no such cast: s1 (the trace makes 0 casts)"},
		{name: "empty call", args: []string{"trace", "--scenario", "direct", "--call", ""}, wantStderr: "--call is empty: want a call's id"},
		{name: "empty cast", args: []string{"trace", "--scenario", "direct", "--cast", ""}, wantStderr: "--cast is empty: want a cast's name"},
		{name: "call and cast", args: []string{"trace", "--scenario", "direct", "--call", "n1.1.1", "--cast", "s1"}, wantStderr: "--cast: give --call or --cast, not both"},
		{name: "a cast as a call", args: []string{"trace", "--scenario", "direct", "--call", "s3"}, wantStderr: "--call: traceview: no such call: s3 (the trace starts 2977 calls); s3 names a cast: select it with --cast s3"},
		{name: "seed with a repro", args: []string{"trace", repro, "--seed", "4"}, wantStderr: "--seed: a repro file fixes the seed"},
		{name: "semantics with a repro", args: []string{"trace", repro, "--semantics", "riak"}, wantStderr: "--semantics: a repro file fixes the semantics"},
		{name: "unknown scenario", args: []string{"trace", "--scenario", "nope"}, wantStderr: `unknown scenario "nope"`},
		{name: "a spec, not a repro", args: []string{"trace", writeFile(t, "spec.json", failingSpec(t).JSON())}, wantStderr: "not a repro file"},
		{name: "unwritable out", args: []string{"trace", "--scenario", "steady", "--call", "n1.1.1", "--out", filepath.Join(t.TempDir(), "no", "such", "dir.txt")}, wantStderr: "ensim: --out: open "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.wantStderr)
			}
		})
	}
}

func TestTraceHelp(t *testing.T) {
	code, stdout, _ := ensim(t, "help", "trace")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"usage: " + synTrace, "-call ID", "-cast NAME", "-format FORMAT", "-from T", "-to T", "-out FILE", "-seed N", "-semantics MODE"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("ensim help trace lacks %q:\n%s", want, stdout)
		}
	}
	_, usage, _ := ensim(t, "help")
	if !strings.Contains(usage, "\n  trace (--scenario NAME | --spec FILE | REPRO.json)") {
		t.Errorf("the usage text does not list trace:\n%s", usage)
	}
}

// TestTraceJSONLIsTheRunTrace: the jsonl view of one call is exactly the lines of
// ensim run --trace that are about that call or one of its messages.
func TestTraceJSONLIsTheRunTrace(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full.jsonl")
	if code, _, stderr := ensim(t, "run", "--scenario", "slow-leader", "--trace", full); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	const call = "n3.1.214"
	code, stdout, stderr := ensim(t, "trace", "--scenario", "slow-leader", "--call", call, "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	f, err := os.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	msgs := map[float64]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		msg, hasMsg := r["msg"].(float64)
		if r["call"] == call && hasMsg {
			msgs[msg] = true
		}
		if r["call"] == call || hasMsg && msgs[msg] {
			want = append(want, sc.Text())
		}
	}
	got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if diff := cmp.Diff(want, got); diff != "" || len(got) != 9 {
		t.Errorf("jsonl view of %s: %d lines (-run --trace +trace):\n%s", call, len(got), diff)
	}
}

// TestTraceCast: --cast keeps one workload cast, which has no call id: in jsonl its
// records, as ensim run --trace writes them, from the cast record through its
// messages to the leader's cast-taken; in text under a heading that names it, with its
// life; in html on a page titled with it.
func TestTraceCast(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full.jsonl")
	if code, _, stderr := ensim(t, "run", "--scenario", "direct", "--trace", full); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ensim(t, "trace", "--scenario", "direct", "--cast", "s14", "--format", "jsonl")
	if code != exitOK || stderr != "" {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var kinds []string
	rest := string(data)
	for _, line := range got {
		// Each line is one of the run's, in the run's order.
		i := strings.Index(rest, line+"\n")
		if i < 0 || i > 0 && rest[i-1] != '\n' {
			t.Fatalf("%s is not a line of run --trace after the lines before it", line)
		}
		rest = rest[i+len(line):]
		var r struct{ Kind, Event string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, r.Kind+r.Event)
	}
	if got, want := strings.Join(kinds, ","), "casts14,send,queued,handed,send,queued,handed,deliver,cast-takens14"; got != want {
		t.Errorf("--cast s14 --format jsonl: kinds %s, want %s", got, want)
	}

	code, stdout, stderr = ensim(t, "trace", "--scenario", "direct", "--cast", "s14")
	if code != exitOK || stderr != "" {
		t.Fatalf("text: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"\n# 9 of 30579 records: cast s14\n", "\n# 1 cast\n", "\ns14   c1      e2 via n5  18.011857ms  e2/p2@n3  18.567153ms  555.296µs  1      cast c1->n5/r2 +0s, "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text view of s14 lacks %q:\n%s", want, stdout)
		}
	}

	out := filepath.Join(t.TempDir(), "cast.html")
	code, _, stderr = ensim(t, "trace", "--scenario", "direct", "--cast", "s14", "--format", "html", "--out", out)
	if code != exitOK || stderr != "ensim: html view written to "+out+"\n" {
		t.Fatalf("html: exit %d\n%s", code, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>direct, seed 1, default semantics, cast s14 - ensroute trace</title>", `"filter":{"call":"","cast":"s14"}`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// A window with none of the cast: an empty view, and a warning that says why.
	code, stdout, stderr = ensim(t, "trace", "--scenario", "direct", "--cast", "s14", "--to", "1ms", "--format", "jsonl")
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "warning: cast s14 has no record at or before --to 1ms") {
		t.Errorf("--cast s14 --to 1ms: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestTraceTextAndHTML(t *testing.T) {
	code, stdout, stderr := ensim(t, "trace", "--scenario", "slow-leader", "--from", "636.5ms", "--to", "636.52ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"# slow-leader, seed 1, default semantics\n",
		"records: from 636.5ms to 636.52ms\n",
		"636.510866ms  n3    -     late    call=n3.1.214 reason=completed code=ok\n",
		"\n# 0 calls\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text view lacks %q:\n%s", want, stdout)
		}
	}

	// --from and --to both keep the records at their time, so that one instant is
	// a window of its own: the reply's arrival and the late record it made.
	code, stdout, stderr = ensim(t, "trace", "--scenario", "slow-leader", "--from", "636.510866ms", "--to", "636.510866ms", "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("--from T --to T: exit %d\n%s", code, stderr)
	}
	if kinds := regexp.MustCompile(`"kind":"([a-z-]+)"`).FindAllStringSubmatch(stdout, -1); len(kinds) != 2 || kinds[0][1] != "handed" || kinds[1][1] != "late" {
		t.Errorf("--from T --to T: want the handed and late records at T, got:\n%s", stdout)
	}

	out := filepath.Join(t.TempDir(), "trace.html")
	code, stdout, stderr = ensim(t, "trace", "--scenario", "slow-leader", "--semantics", "riak", "--format", "html", "--out", out, "--call", "n3.1.214")
	if code != exitOK || stdout != "" || stderr != "ensim: html view written to "+out+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<title>slow-leader, seed 1, riak semantics, call n3.1.214 - ensroute trace</title>", `id="ensroute-data"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestFailureDrawsTheCall: a failing run names its first failing call and prints the
// command that draws it; that command works as printed.
func TestFailureDrawsTheCall(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())
	t.Chdir(t.TempDir())
	code, _, stderr := ensim(t, "run", "--spec", specPath, "--seed", "7")
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
	}
	m := regexp.MustCompile(`the first failing call is (\S+); draw it with:\n  ensim (trace \S+ --call (\S+) --format html --out (\S+))\n`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no trace command in:\n%s", stderr)
	}
	if !strings.Contains(stderr, "liveness: call "+m[1]+":") || m[3] != m[1] || !strings.HasSuffix(m[4], "-7-"+m[1]+".html") {
		t.Errorf("the command draws %s into %s; the first violation is about %s:\n%s", m[3], m[4], m[1], stderr)
	}
	code, _, stderr = ensim(t, strings.Fields(m[2])...)
	if code != exitOK {
		t.Fatalf("%s: exit %d\n%s", m[2], code, stderr)
	}
	if _, err := os.Stat(m[4]); err != nil {
		t.Errorf("%s: %v", m[2], err)
	}
	// The page carries the run's violations, and the text view of the call names its
	// own at the top.
	if page, err := os.ReadFile(m[4]); err != nil || !strings.Contains(string(page), `["liveness","`+m[1]+`",`) {
		t.Errorf("%s: the page does not carry the violation of %s (%v)", m[4], m[1], err)
	}
	// Every violation, not only the first 100 of each invariant that a report keeps:
	// as many as the run found.
	_, runJSON, _ := ensim(t, "run", "--spec", specPath, "--seed", "7", "--json")
	var run struct {
		Total uint64 `json:"violations_total"`
	}
	if err := json.Unmarshal([]byte(runJSON), &run); err != nil {
		t.Fatal(err)
	}
	_, whole, _ := ensim(t, "trace", "ensim-repro-timed-out-default-7.json")
	if want := fmt.Sprintf("\n# %d violations:\n", run.Total); run.Total <= 100 || !strings.Contains(whole, want) {
		t.Errorf("trace lists no %q (the run found %d)", want, run.Total)
	}
	code, text, _ := ensim(t, "trace", "ensim-repro-timed-out-default-7.json", "--call", m[1])
	if code != exitOK || !regexp.MustCompile(`(?m)^# 1 violation:\n#   liveness `+regexp.QuoteMeta(m[1])+`: `).MatchString(text) {
		t.Errorf("trace --call %s: exit %d, no violation under the title:\n%s", m[1], code, text)
	}

	// replay says it again while the repro still fails
	code, _, stderr = ensim(t, "replay", "ensim-repro-timed-out-default-7.json")
	if code != exitFail || !strings.Contains(stderr, "draw it with:\n  ensim "+m[2]+"\n") {
		t.Errorf("replay: exit %d, stderr lacks the trace command:\n%s", code, stderr)
	}
}

// TestTraceShowsExpectedViolations: under riak, the violations a spec's riak_breaks
// expects are listed too, marked as expected (the trace views used to leave them out).
func TestTraceShowsExpectedViolations(t *testing.T) {
	s := failingSpec(t)
	s.RiakBreaks = []string{"liveness"}
	path := writeFile(t, "riak.json", s.JSON())
	code, text, stderr := ensim(t, "trace", "--spec", path, "--semantics", "riak")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// The title names the spec as run does, and the file it came from.
	if first, _, _ := strings.Cut(text, "\n"); !strings.Contains(first, s.Name+" (spec "+path+"), seed 1, riak semantics") {
		t.Errorf("title %q does not name the spec %q and its file", first, s.Name)
	}
	if !regexp.MustCompile(`(?m)^#   liveness \(expected under riak\) \S+: `).MatchString(text) {
		head, _, _ := strings.Cut(text, "\n\n")
		t.Errorf("no expected liveness violation under the title:\n%s", head)
	}
}
