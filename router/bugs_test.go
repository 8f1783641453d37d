package router_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ensroute/ensroute/internal/bugs"
)

// TestScriptsCatchBugs runs every interaction script with one bug injected into the
// core and expects at least one script to notice (its output no longer matches). It
// logs which scripts caught each bug and the first line that differed.
func TestScriptsCatchBugs(t *testing.T) {
	if rewriting() {
		t.Skip("-rewrite regenerates the expected output; bug injection needs it to compare against")
	}
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in testdata (err %v)", err)
	}
	tests := []struct {
		name string
		bug  bugs.Bug
	}{
		{name: "late-reply", bug: bugs.LateReply},
		{name: "ignore-deadline", bug: bugs.IgnoreDeadline},
		{name: "cross-reply", bug: bugs.CrossReply},
		{name: "reuse-call-id", bug: bugs.ReuseCallID},
		{name: "drop-hop-count", bug: bugs.DropHopCount},
		{name: "nack-copy-after-redirect", bug: bugs.NackCopyAfterRedirect},
		{name: "leak-timers", bug: bugs.LeakTimers},
		{name: "uncharged-wait", bug: bugs.UnchargedWait},
		{name: "early-deadline", bug: bugs.EarlyDeadline},
		{name: "redirect-full-budget", bug: bugs.RedirectFullBudget},
		{name: "hop-limit-off-by-one", bug: bugs.HopLimitOffByOne},
		{name: "drop-ok-after-redirect", bug: bugs.DropOKAfterRedirect},
		{name: "foreign-call-id", bug: bugs.ForeignCallID},
		{name: "detour", bug: bugs.Detour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var caught []string
			for _, path := range paths {
				rec := &recordingTB{TB: t}
				rec.run(func() { runScript(rec, path, bugs.Of(tc.bug)) })
				if rec.Failed() {
					caught = append(caught, filepath.Base(path))
					t.Logf("%s: %s", filepath.Base(path), rec.firstDiff())
				}
			}
			if len(caught) == 0 {
				t.Fatalf("no script noticed %s", tc.bug)
			}
			t.Logf("%s caught by %d of %d scripts: %s", tc.bug, len(caught), len(paths), strings.Join(caught, ", "))
		})
	}
}

// rewriting reports whether datadriven's -rewrite flag is set.
func rewriting() bool {
	f := flag.Lookup("rewrite")
	return f != nil && f.Value.String() == "true"
}

// stopScript is the panic a recordingTB uses to stop a script at its first Fatal.
type stopScript struct{}

// recordingTB is a testing.TB that records failures instead of failing the test, so a
// script run with a bug injected can be expected to fail. Fatal and FailNow stop the
// script (a panic that run recovers), as they stop a test. Logs are kept, not printed.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex // datadriven logs from a watchdog goroutine on slow directives
	failed bool
	msgs   []string
}

// run calls f, stopping quietly where f called Fatal or FailNow.
func (r *recordingTB) run(f func()) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stopScript); !ok {
				panic(p)
			}
		}
	}()
	f()
}

func (r *recordingTB) record(fail bool, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = r.failed || fail
	r.msgs = append(r.msgs, msg)
}

func (r *recordingTB) Error(args ...any) { r.record(true, fmt.Sprint(args...)) }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.record(true, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recordingTB) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recordingTB) Fail()                             { r.record(true, "Fail") }
func (r *recordingTB) FailNow()                          { r.record(true, "FailNow"); panic(stopScript{}) }
func (r *recordingTB) Log(args ...any)                   { r.record(false, fmt.Sprint(args...)) }
func (r *recordingTB) Logf(format string, args ...any)   { r.record(false, fmt.Sprintf(format, args...)) }

func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// firstDiff returns the script position of the first mismatch recorded with the first
// line it expected and the line it found instead, or the first message when no
// mismatch was recorded.
func (r *recordingTB) firstDiff() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		if !strings.Contains(m, "expected") {
			continue
		}
		pos, _, _ := strings.Cut(strings.TrimSpace(m), "\n")
		want, got := diffLines(m)
		return fmt.Sprintf("%s want %q got %q", pos, want, got)
	}
	if len(r.msgs) > 0 {
		return r.msgs[0]
	}
	return "failed"
}

// diffLines picks the first differing pair of lines out of a datadriven mismatch
// message: a unified diff ("-" and "+" lines) for long outputs, otherwise the
// "expected:" and "found:" blocks.
func diffLines(m string) (want, got string) {
	if exp, found, ok := strings.Cut(m, "\nfound:\n"); ok {
		_, exp, _ = strings.Cut(exp, "\nexpected:\n")
		e, f := blockLines(exp), blockLines(found)
		for i := range max(len(e), len(f)) {
			var a, b string
			if i < len(e) {
				a = e[i]
			}
			if i < len(f) {
				b = f[i]
			}
			if a != b {
				return a, b
			}
		}
		return "", ""
	}
	for line := range strings.Lines(m) {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "---") || strings.HasPrefix(l, "+++"):
		case strings.HasPrefix(l, "-") && want == "":
			want = l[1:]
		case strings.HasPrefix(l, "+") && got == "":
			got = l[1:]
		}
	}
	return want, got
}

func blockLines(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		out = append(out, strings.TrimSpace(line))
	}
	return out
}
