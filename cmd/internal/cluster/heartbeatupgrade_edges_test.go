package cluster_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// nodeSettings are the settings a node given args states (Settings(true)).
func nodeSettings(t *testing.T, args ...string) []byte {
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	var o cluster.Options
	o.Register(fs)
	all := append([]string{"--peers", "n1=127.0.0.1:1,n2=127.0.0.1:2", "--secret-file", "s", "--ensemble", "e1=n1,n2"}, args...)
	if err := cluster.Parse(fs, all, io.Discard, func(io.Writer) {}, "prog -h"); err != nil {
		t.Fatal(err)
	}
	if err := o.Resolve(fs); err != nil {
		t.Fatal(err)
	}
	return o.Settings(true)
}

// TestPingProblemWithEarlierRelease: in a rolling upgrade a node of the release
// before the heartbeat flags states its configuration but no heartbeat, and runs
// the transport's default (a ping every 500ms, a timeout of 3s). A new node given a
// timeout that ping interval does not outlast drops the earlier node's idle
// connection over and over (seen with processes: "peer silent past the heartbeat
// timeout" every second or so), and is warned of it as of any node whose heartbeat
// does not fit; read as stating nothing, it was never warned of.
func TestPingProblemWithEarlierRelease(t *testing.T) {
	var earlier []byte
	for _, line := range strings.SplitAfter(string(nodeSettings(t)), "\n") {
		if !strings.HasPrefix(line, "heartbeat=") {
			earlier = append(earlier, line...)
		}
	}
	if !strings.Contains(string(earlier), "peers=") || strings.Contains(string(earlier), "heartbeat") {
		t.Fatalf("settings of the earlier release: %q", earlier)
	}
	fast := nodeSettings(t, "--heartbeat-interval", "100ms", "--heartbeat-timeout", "400ms")
	p := cluster.PingProblem("n1", fast, earlier, "this node")
	if want := "n1 pings every 500ms (the default of a release before --heartbeat-interval: it states no heartbeat) when idle, and this node closes a connection silent for 400ms (its --heartbeat-timeout): this node drops n1's idle connection as dead"; !strings.Contains(p, want) {
		t.Fatalf("a node of 400ms against one of an earlier release: %q, want it to say %q", p, want)
	}
	slow := nodeSettings(t, "--heartbeat-interval", "4s", "--heartbeat-timeout", "10s")
	p = cluster.PingProblem("n1", slow, earlier, "this node")
	if want := "this node pings every 4s (its --heartbeat-interval) when idle, and n1 closes a connection silent for 3s (the default of a release before --heartbeat-timeout: it states no heartbeat): n1 drops this node's idle connection as dead"; !strings.Contains(p, want) {
		t.Fatalf("a node pinging every 4s against one of an earlier release: %q, want it to say %q", p, want)
	}
	// The defaults fit the earlier release's, which are the same.
	if p := cluster.PingProblem("n1", nodeSettings(t), earlier, "this node"); p != "" {
		t.Fatalf("default heartbeats against an earlier release: %q", p)
	}
	// Settings that are not a node's of this package say nothing of a heartbeat.
	if p := cluster.PingProblem("x", fast, []byte("app=7\n"), "this node"); p != "" {
		t.Fatalf("foreign settings: %q", p)
	}
}
