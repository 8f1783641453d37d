package realcluster

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lone runs a cluster of the one node n1 (ensemble e1) and waits until its /healthz
// answers.
func lone(t *testing.T) (*Cluster, *Node) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1"},
		Ensembles: []Ensemble{{ID: "e1", Members: []string{"n1"}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return c, c.Node("n1")
}

// TestNodeLifecycle: Start on a running node changes nothing; Kill is a crash that
// takes even a frozen node at once (no clean stop logged) and returns once the process
// is gone, after which the verbs that need a process say ErrNotRunning; Start after
// that runs a new process with a log of its own, and Logged and Log still see the
// first one's; Term stops it cleanly. Logged wants every fragment on one line.
func TestNodeLifecycle(t *testing.T) {
	_, n1 := lone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	first, err := n1.Pid()
	if err != nil {
		t.Fatal(err)
	}
	h, err := n1.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inc := "incarnation=" + strconv.FormatUint(h.Incarnation, 10)
	if err := n1.Start(); err != nil {
		t.Fatal(err)
	}
	if pid, err := n1.Pid(); err != nil || pid != first {
		t.Fatalf("Start on a running node: pid %d, %v; want %d still", pid, err, first)
	}

	if err := n1.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := n1.Kill(); err != nil {
		t.Fatal(err)
	}
	if n1.Running() {
		t.Fatal("Kill returned with the process still running")
	}
	for verb, err := range map[string]error{"Pause": n1.Pause(), "Resume": n1.Resume(), "Kill": n1.Kill(),
		"Term": n1.Term(time.Second), "Pid": func() error { _, err := n1.Pid(); return err }(),
		"Memory": func() error { _, err := n1.Memory(); return err }()} {
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "n1") {
			t.Errorf("%s after Kill: %v, want n1: %v", verb, err, ErrNotRunning)
		}
	}
	if n1.Logged("msg=stopped") {
		t.Fatalf("Kill let n1 stop cleanly, as on SIGTERM:\n%s", n1.Log())
	}

	if err := n1.Start(); err != nil {
		t.Fatal(err)
	}
	if pid, err := n1.Pid(); err != nil || pid == first {
		t.Fatalf("Start after Kill: pid %d, %v; want a new process", pid, err)
	}
	waitFor(t, 15*time.Second, "n1 answers after the restart", func() (bool, string) {
		_, err := n1.Health(ctx)
		return err == nil, n1.Log()
	})
	if !n1.Logged("msg=ready", inc) {
		t.Fatalf("the first process's %s is no longer in the logs:\n%s", inc, n1.Log())
	}
	log := n1.Log()
	for _, file := range []string{"--- n1.1.log\n", "--- n1.2.log\n"} {
		if !strings.Contains(log, file) {
			t.Fatalf("Log lacks %q:\n%s", file, log)
		}
	}
	if err := n1.Term(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n1.Running() || !n1.Logged("msg=stopped") {
		t.Fatalf("after Term: running %v, log:\n%s", n1.Running(), n1.Log())
	}
	// Logged wants every fragment on one line.
	for _, tc := range []struct {
		fragments []string
		want      bool
	}{
		{[]string{"msg=ready", "node=n1"}, true},
		{[]string{"msg=ready", "no such fragment"}, false},
		{[]string{"no such fragment", "msg=ready"}, false},
		{[]string{"msg=ready", "msg=stopped"}, false}, // each is logged, on lines of their own
	} {
		if got := n1.Logged(tc.fragments...); got != tc.want {
			t.Errorf("Logged(%q) = %v, want %v; log:\n%s", tc.fragments, got, tc.want, n1.Log())
		}
	}
}

// TestTermUnclean: Term returns ErrExit, naming the node, for a process that does not
// exit in time (a frozen one: SIGTERM waits for SIGCONT), which it then kills, and for
// one that exits other than with status 0 (here a stand-in for ensnode that SIGTERM
// kills).
func TestTermUnclean(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2"},
		Ensembles: []Ensemble{{ID: "e1", Members: []string{"n1"}}},
		Wrap: func(id string) []string {
			if id == "n2" {
				return []string{"sh", "-c", "exec sleep 60"}
			}
			return nil
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	n1, n2 := c.Node("n1"), c.Node("n2")
	if err := n1.Pause(); err != nil {
		t.Fatal(err)
	}
	err := n1.Term(200 * time.Millisecond)
	if !errors.Is(err, ErrExit) || !strings.Contains(err.Error(), "n1 still running 200ms after SIGTERM") {
		t.Fatalf("Term of a frozen node: %v, want %v: n1 still running", err, ErrExit)
	}
	if n1.Running() {
		t.Fatal("Term left the frozen node running")
	}
	err = n2.Term(10 * time.Second)
	if !errors.Is(err, ErrExit) || !strings.Contains(err.Error(), "n2 after SIGTERM: signal: terminated") {
		t.Fatalf("Term of a process that SIGTERM kills: %v, want %v: n2 after SIGTERM: signal: terminated", err, ErrExit)
	}
}

// TestHealth: a node's /healthz as Health reads it: the node's id, its peers
// (Connected is false for a member not connected, and for an id it does not know),
// its directory's leaders; a path the admin server answers with another status than
// 200 is an error naming the node, the path and the status.
func TestHealth(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c, err := New(Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2"},
		Ensembles: []Ensemble{{ID: "e1", Members: []string{"n1", "n2"}}, {ID: "e2", Members: []string{"n2", "n1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n1 := c.Node("n1")
	if err := n1.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	h, err := n1.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.ID != "n1" || h.Incarnation == 0 {
		t.Errorf("/healthz: status %q, id %q, incarnation %d; want ok, n1 and one", h.Status, h.ID, h.Incarnation)
	}
	for id, want := range map[string]bool{"n2": false, "n9": false} {
		if got := h.Connected(id); got != want {
			t.Errorf("Connected(%s) = %v, want %v", id, got, want)
		}
	}
	for e, want := range map[string]string{"e1": "e1/n1@n1", "e2": "e2/n2@n2", "e9": ""} {
		if got := h.Leader(e); got != want {
			t.Errorf("Leader(%s) = %q, want %q", e, got, want)
		}
	}
	// /readyz answers 503 to a node connected to none of the other members.
	if _, err := n1.get(ctx, "/readyz"); err == nil || err.Error() != "n1 /readyz: 503 Service Unavailable" {
		t.Fatalf("get /readyz: %v, want n1 /readyz: 503 Service Unavailable", err)
	}
}
