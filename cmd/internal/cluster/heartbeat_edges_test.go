package cluster_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// resolveHeartbeat parses args after the flags every command needs and resolves them.
func resolveHeartbeat(t *testing.T, args ...string) (cluster.Heartbeat, error) {
	t.Helper()
	o, err := resolveArgs(args...)
	return o.Heartbeat, err
}

// resolveArgs parses args after the flags every command needs and resolves them.
func resolveArgs(args ...string) (*cluster.Options, error) {
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	var o cluster.Options
	o.Register(fs)
	all := append([]string{"--peers", "n1=127.0.0.1:1", "--secret-file", "s"}, args...)
	if err := cluster.Parse(fs, all, io.Discard, func(io.Writer) {}, "prog -h"); err != nil {
		return &o, err
	}
	return &o, o.Resolve(fs)
}

// TestHeartbeatFlags: --heartbeat-interval, --heartbeat-timeout, --backoff-min and
// --backoff-max default to the transport's own, and a timeout or a longest wait left
// out follows the flag given as the transport's defaults do (3s or two intervals,
// 2s or the first wait), so that setting one flag alone is never refused.
func TestHeartbeatFlags(t *testing.T) {
	for _, c := range []struct {
		args                   []string
		interval, timeout      time.Duration
		backoffMin, backoffMax time.Duration
	}{
		{nil, 500 * time.Millisecond, 3 * time.Second, 50 * time.Millisecond, 2 * time.Second},
		{[]string{"--heartbeat-interval", "50ms", "--heartbeat-timeout", "200ms"}, 50 * time.Millisecond, 200 * time.Millisecond, 50 * time.Millisecond, 2 * time.Second},
		{[]string{"--heartbeat-interval", "2s"}, 2 * time.Second, 4 * time.Second, 50 * time.Millisecond, 2 * time.Second},
		{[]string{"--heartbeat-timeout", "600ms"}, 500 * time.Millisecond, 600 * time.Millisecond, 50 * time.Millisecond, 2 * time.Second},
		{[]string{"--backoff-min", "5s"}, 500 * time.Millisecond, 3 * time.Second, 5 * time.Second, 5 * time.Second},
		{[]string{"--backoff-min", "10ms", "--backoff-max", "10ms"}, 500 * time.Millisecond, 3 * time.Second, 10 * time.Millisecond, 10 * time.Millisecond},
		{[]string{"--heartbeat-interval", "1ms", "--heartbeat-timeout", "2ms", "--backoff-max", "1h"}, time.Millisecond, 2 * time.Millisecond, 50 * time.Millisecond, time.Hour},
	} {
		h, err := resolveHeartbeat(t, c.args...)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if h.Interval != c.interval || h.Timeout != c.timeout || h.BackoffMin != c.backoffMin || h.BackoffMax != c.backoffMax {
			t.Errorf("%q: %+v, want interval %v, timeout %v, backoff %v..%v", c.args, h, c.interval, c.timeout, c.backoffMin, c.backoffMax)
		}
	}
}

// TestHeartbeatFlagsRefused: each value the transport would refuse is bad usage
// (ErrUsage: exit 2) naming the flag, its value and the bound, before anything
// starts: nettransport.New's own error names its Config fields, which no operator
// set.
func TestHeartbeatFlagsRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--heartbeat-interval", "0"}, "--heartbeat-interval 0s: want at least 1ms"},
		{[]string{"--heartbeat-interval", "500µs"}, "--heartbeat-interval 500µs: want at least 1ms"},
		{[]string{"--heartbeat-interval", "-1s"}, "--heartbeat-interval -1s: want at least 1ms"},
		{[]string{"--heartbeat-interval", "often"}, "--heartbeat-interval"},
		{[]string{"--heartbeat-timeout", "500ms"}, "--heartbeat-timeout 500ms: want more than --heartbeat-interval 500ms"},
		{[]string{"--heartbeat-interval", "200ms", "--heartbeat-timeout", "100ms"}, "--heartbeat-timeout 100ms: want more than --heartbeat-interval 200ms"},
		{[]string{"--heartbeat-timeout", "0"}, "--heartbeat-timeout 0s: want more than --heartbeat-interval 500ms"},
		{[]string{"--heartbeat-timeout", "-3s"}, "--heartbeat-timeout -3s: want more than --heartbeat-interval 500ms"},
		{[]string{"--backoff-min", "0"}, "--backoff-min 0s: want a positive duration"},
		{[]string{"--backoff-min", "-1ms"}, "--backoff-min -1ms: want a positive duration"},
		{[]string{"--backoff-min", "2h", "--backoff-max", "2h"}, "--backoff-min 2h0m0s: want at most 1h0m0s"},
		{[]string{"--backoff-max", "61m"}, "--backoff-max 1h1m0s: want at most 1h0m0s"},
		{[]string{"--backoff-max", "10ms"}, "--backoff-max 10ms: want at least --backoff-min 50ms"},
		{[]string{"--backoff-min", "1s", "--backoff-max", "500ms"}, "--backoff-max 500ms: want at least --backoff-min 1s"},
		{[]string{"--backoff-max", "-1s"}, "--backoff-max -1s: want at least --backoff-min 50ms"},
	} {
		_, err := resolveHeartbeat(t, c.args...)
		if !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want a usage error saying %q", c.args, err, c.want)
		}
	}
}

// TestPingProblem: a node states its heartbeat to the nodes it connects to, not
// compared for equality (a client may ping more often than the nodes, or a node
// have a longer timeout), but for an interval the other side's timeout does not
// outlast: that side drops the idle connection as dead, over and over.
func TestPingProblem(t *testing.T) {
	settings := func(args ...string) []byte {
		t.Helper()
		o, err := resolveArgs(args...)
		if err != nil {
			t.Fatal(err)
		}
		return o.Settings(false)
	}
	def := settings()
	fast := settings("--heartbeat-interval", "50ms", "--heartbeat-timeout", "200ms")
	if !strings.Contains(string(fast), "heartbeat=50ms 200ms\n") {
		t.Fatalf("settings %q do not state the heartbeat", fast)
	}
	if d := cluster.DiffSettings(def, fast); len(d) != 0 {
		t.Fatalf("heartbeats that fit differ in DiffSettings: %+v", d)
	}
	if p := cluster.PingProblem("n2", fast, fast, "this node"); p != "" {
		t.Fatalf("the same heartbeat: %q", p)
	}
	// A client that pings every 50ms fits a node of the default 3s.
	if p := cluster.PingProblem("ctl", def, settings("--heartbeat-interval", "50ms"), "this node"); p != "" {
		t.Fatalf("a client that pings faster: %q", p)
	}
	// One whose own timeout is 200ms drops the node, which pings every 500ms.
	if p := cluster.PingProblem("ctl", def, fast, "this node"); !strings.Contains(p, "this node pings every 500ms (its --heartbeat-interval) when idle, and ctl closes a connection silent for 200ms (its --heartbeat-timeout): ctl drops this node's idle connection as dead") {
		t.Fatalf("a client of 200ms, a node of 500ms pings: %q", p)
	}
	// The node of 200ms drops the client that pings every 500ms.
	p := cluster.PingProblem("ctl", fast, def, "this node")
	if !strings.Contains(p, "ctl pings every 500ms (its --heartbeat-interval) when idle, and this node closes a connection silent for 200ms (its --heartbeat-timeout): this node drops ctl's idle connection as dead") ||
		strings.Contains(p, "ctl drops") {
		t.Fatalf("a node of 200ms, a client of 500ms: %q", p)
	}
	// The client's side of it: the node drops it.
	p = cluster.PingProblem("n1", def, fast, "this client")
	if !strings.Contains(p, "this client pings every 500ms (its --heartbeat-interval) when idle, and n1 closes a connection silent for 200ms (its --heartbeat-timeout): n1 drops this client's idle connection as dead") {
		t.Fatalf("a client of 500ms, a node of 200ms: %q", p)
	}
	// Settings that are no node's of this package (no peers line) state none:
	// nothing to say.
	if p := cluster.PingProblem("n2", fast, []byte("semantics=default\nrouters=7\n"), "this node"); p != "" {
		t.Fatalf("no heartbeat stated: %q", p)
	}
}

// TestPingProblemReadsHeartbeatExactly: the heartbeat another node states is read as
// the flags read theirs, as written: an interval stated as 2.00200000000000000ms is
// not below a timeout of 2.002ms, and the idle connection would be dropped, where
// time.ParseDuration's floating point read it as 2.001999ms and saw nothing wrong.
func TestPingProblemReadsHeartbeatExactly(t *testing.T) {
	ours := []byte("peers=2 5f1e09c2\nheartbeat=1ms 2.002ms\n")
	theirs := []byte("peers=2 5f1e09c2\nheartbeat=2.00200000000000000ms 1s\n")
	p := cluster.PingProblem("n2", ours, theirs, "this node")
	if want := "n2 pings every 2.002ms (its --heartbeat-interval) when idle, and this node closes a connection silent for 2.002ms"; !strings.Contains(p, want) {
		t.Fatalf("got %q, want %q", p, want)
	}
}
