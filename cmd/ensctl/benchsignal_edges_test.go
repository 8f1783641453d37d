package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/kv"
)

// benchSignalled runs ensctl bench --json against n with args, with a signal (main
// cancels the context) 300ms after the run's set-up (its first recorder made, once
// connected: a connection slow to set up on a loaded machine would otherwise take
// the 300ms, and the signal come before any call), and returns its report and exit
// status.
func benchSignalled(t *testing.T, n *testNode, args ...string) (benchResult, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var tm *time.Timer
	recorderMade = func() { once.Do(func() { tm = time.AfterFunc(300*time.Millisecond, cancel) }) }
	defer func() {
		recorderMade = nil
		if tm != nil {
			tm.Stop()
		}
	}()
	var out, errb bytes.Buffer
	code := run(ctx, append(append([]string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret, "--json"}, args...), "e1"), &out, &errb)
	var res benchResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("no report: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
	}
	return res, code
}

// TestBenchOpenLoopSignalWhileAsleep: an open loop that a signal ends while its
// workers sleep until their next calls are due makes no call after it, and ends at
// once: at one call every 10s dealt to 4 workers, a signal 300ms in leaves the call
// due at the start the run's only one. The workers slept on until their calls were
// due, and made them: the run went on for 40s after the signal (the first worker's
// next call was due then), and counted the 4 calls it made meanwhile as the run's.
func TestBenchOpenLoopSignalWhileAsleep(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchSignalled(t, n, "--rate", "0.1", "--concurrency", "4", "--duration", "1m")
	if took := time.Duration(res.DurationNS); code != exitInterrupted || !res.Interrupted || res.Calls != 1 || res.OK != 1 || took >= 10*time.Second {
		t.Fatalf("exit %d, interrupted %v, %d calls (%d ok) in %v; want exit %d, interrupted, the one call due before the signal, and an end well before the next was due (10s)",
			code, res.Interrupted, res.Calls, res.OK, took, exitInterrupted)
	}
}

// TestBenchSignalCutsCallsShort: a signal ends a bench at once, calls in flight
// included: they are cut short, with no outcome, and counted apart, not as calls (a
// call cut short has none, as an interrupted ensctl call prints none). Against a
// leader that serves one request in 100s, with a --timeout of 20s, each loop's two
// calls in flight at a signal 300ms in are cut short, and the report says so. The
// calls ran on until their deadline: the run ended 20s after the signal, with two
// timeouts that no caller saw (under a --timeout of an hour, it would have made an
// hour of Ctrl-C wait).
func TestBenchSignalCutsCallsShort(t *testing.T) {
	n := startServingNode(t, "n1", kv.NewSlow(0.01, false), "e1")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"closed loop", []string{"--id", "ctl-closed", "--concurrency", "2"}},
		{"open loop", []string{"--id", "ctl-open", "--rate", "1000", "--concurrency", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, code := benchSignalled(t, n, append(tc.args, "--timeout", "20s", "--duration", "1m")...)
			if took := time.Duration(res.DurationNS); code != exitInterrupted || !res.Interrupted || res.Calls != 0 || res.CutShort != 2 || took >= 10*time.Second {
				t.Fatalf("exit %d, interrupted %v, %d calls (outcomes %v), %d cut short, in %v; want exit %d, interrupted, the 2 calls in flight cut short and not counted, an end at the signal",
					code, res.Interrupted, res.Calls, res.Errors, res.CutShort, took, exitInterrupted)
			}
			want := []string{"\ncut short   2 (calls in flight at the signal: no outcome, not among the calls above)\n"}
			if res.Mode == "open" {
				// Neither made nor skipped: the 2 cut short are not among those not made.
				want = append(want, "\nnot made    59998 of 60000 scheduled: the run was interrupted\n")
			}
			reportHas(t, &res, want...)
		})
	}
}

// TestBenchSignalBeforeCallIsNoCall: a signal that comes after a loop's last check
// for it and before its call (here the first), which the driver then ends before it
// starts, sending nothing, leaves that call out: it is not cut short, since it was
// never in flight, and in open loop it has no start lag and is among the calls not
// made. It was counted as cut short, and open loop gave it a start lag as well.
func TestBenchSignalBeforeCallIsNoCall(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	for _, tc := range []struct {
		name string
		args []string
		want string // a line of the text report
	}{
		{"closed loop", []string{"--id", "ctl-closed"}, ""},
		{"open loop", []string{"--id", "ctl-open", "--rate", "1000"}, "\nnot made    60000 of 60000 scheduled: the run was interrupted\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			beforeCall = cancel // the signal, after the loop's check
			defer func() { beforeCall = nil }()
			var out, errb bytes.Buffer
			args := append([]string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret, "--json", "--concurrency", "1", "--duration", "1m"}, tc.args...)
			code := run(ctx, append(args, "e1"), &out, &errb)
			var res benchResult
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("no report: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
			}
			if code != exitInterrupted || !res.Interrupted || res.Calls != 0 || res.CutShort != 0 || res.StartLagNS != nil || res.Behind != 0 {
				t.Fatalf("exit %d, interrupted %v, %d calls, %d cut short, start lag %v, %d started late; want exit %d, interrupted, and no call: none cut short, no start lag",
					code, res.Interrupted, res.Calls, res.CutShort, res.StartLagNS, res.Behind, exitInterrupted)
			}
			var b bytes.Buffer
			if err := res.print(&b, false); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "cut short") || !strings.Contains(b.String(), tc.want) {
				t.Errorf("report has a cut short line, or lacks %q:\n%s", tc.want, b.String())
			}
		})
	}
}
