package realcluster

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigRefusals: New refuses a Config without the program, the directory or a
// node, with ErrBadConfig and a message that names the field, and writes nothing;
// it writes the secret of a valid one readable by its owner alone.
func TestConfigRefusals(t *testing.T) {
	dir := t.TempDir()
	ok := Config{Ensnode: "ensnode", Dir: dir, Nodes: []string{"n1"}}
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no program", func(c *Config) { c.Ensnode = "" }, "Ensnode is empty"},
		{"no directory", func(c *Config) { c.Dir = "" }, "Dir is empty"},
		{"no node", func(c *Config) { c.Nodes = nil }, "no Nodes"},
	} {
		cfg := ok
		tc.edit(&cfg)
		_, err := New(cfg)
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: New = %v, want %v: %s", tc.name, err, ErrBadConfig, tc.field)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("refused configs wrote %v (%v)", entries, err)
	}
	c, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	// The cluster's secret is for its owner's eyes only.
	if fi, err := os.Stat(c.SecretFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the secret file: %v, %v; want mode 0600", fi, err)
	}
}

// TestStartMissingProgram: a program that cannot be run fails Start, naming the node,
// and leaves it not running.
func TestStartMissingProgram(t *testing.T) {
	c, err := New(Config{Ensnode: filepath.Join(t.TempDir(), "no-such-ensnode"), Dir: t.TempDir(), Nodes: []string{"n1", "n2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Start()
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "start n1: ") {
		t.Fatalf("Start = %v, want start n1: %v", err, fs.ErrNotExist)
	}
	if c.Node("n1").Running() {
		t.Fatal("n1 runs")
	}
}

// TestBuild: Build gives the two programs, each the one its name says; outside a
// module it refuses, with ErrBadConfig.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs")
	}
	b := bins(t)
	for prog, path := range map[string]string{"ensnode": b.Ensnode, "ensctl": b.Ensctl} {
		out, _ := exec.Command(path, "--help").CombinedOutput()
		if !strings.Contains(string(out), "usage: "+prog) {
			t.Errorf("%s --help:\n%s\nwant usage: %s", path, out, prog)
		}
	}
	t.Chdir(t.TempDir())
	t.Setenv("GO111MODULE", "on")
	if _, err := Build(t.TempDir()); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("Build outside a module: %v, want %v", err, ErrBadConfig)
	}
}

// TestNodeThatNeverAnswers: n2 runs but never serves (a stand-in for ensnode stuck
// at start). The waits for it end with ctx, and their errors say who is missing: the
// cluster's, that n1 is not connected to n2, or, for n2 alone, n2's /healthz; the
// client's, that it is not connected to n2. A new client fails, naming n2. A node
// not running is no one's to wait for: a client starts without it and
// Client.WaitConnected passes it by.
func TestNodeThatNeverAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c, err := New(Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2"},
		Ensembles: []Ensemble{{ID: "e1", Members: []string{"n1", "n2"}}},
		Wrap: func(id string) []string {
			if id == "n2" {
				return []string{"sh", "-c", "exec sleep 60"}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			t.Logf("n1 log:\n%s", c.Node("n1").Log())
		}
	})
	n2 := c.Node("n2")
	if err := c.Node("n1").Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	cl, err := c.Client(ctx, "client", nil)
	if err != nil {
		t.Fatalf("a client, n2 not running: %v", err)
	}
	defer cl.Close()
	if err := cl.WaitConnected(ctx); err != nil {
		t.Fatalf("the client waits for n2, not running: %v", err)
	}

	if err := n2.Start(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		wait     func(context.Context) error
		want     string
		deadline bool // the error is ctx's, which ended the wait
	}{
		{"the cluster", func(ctx context.Context) error { return c.WaitConnected(ctx) }, "last: n1 not connected to n2", true},
		{"n2", func(ctx context.Context) error { return c.WaitConnected(ctx, "n2") }, "last: n2 /healthz: ", true},
		{"the client", cl.WaitConnected, "last: the client is not connected to n2", true},
		{"a new client", func(ctx context.Context) error {
			cl, err := c.Client(ctx, "client2", nil)
			if err == nil {
				cl.Close()
			}
			return err
		}, "connect to n2: ", false},
	} {
		// Each wait ends with ctx; 4s leaves n1's answers time to say why on a busy
		// machine.
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		err := tc.wait(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) || tc.deadline && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want %s (and ctx's deadline: %v)", tc.name, err, tc.want, tc.deadline)
		}
	}
	if !n2.Running() {
		t.Fatal("n2 stopped")
	}
}

// TestCloseKillsEveryNode: Close leaves no process of the cluster running, a frozen
// one included.
func TestCloseKillsEveryNode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2"},
		Ensembles: []Ensemble{{ID: "e1", Members: []string{"n1", "n2"}}}})
	if err := c.Node("n2").Pause(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, n := range c.Nodes() {
		if n.Running() {
			t.Errorf("%s runs after Close", n.ID)
		}
	}
}

// TestEventuallyKeepsTheReason: a wait that ends with its ctx says why it was still
// waiting, with the reason cond gave before ctx ended, not one that only says ctx
// ended; and with the reason cond gave as ctx ended when there is no other.
func TestEventuallyKeepsTheReason(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Eventually(ctx, time.Millisecond, func() (bool, string) {
		if calls++; calls == 3 {
			cancel() // cut short by ctx's end, as a request with ctx is
			return false, "n1 /healthz: context canceled"
		}
		return false, "n1 not connected to n2"
	})
	if !errors.Is(err, context.Canceled) || err.Error() != "context canceled; last: n1 not connected to n2" {
		t.Errorf("Eventually = %v, want context canceled; last: n1 not connected to n2", err)
	}
	err = Eventually(ctx, time.Millisecond, func() (bool, string) { return false, "n1 /healthz: context canceled" })
	if !errors.Is(err, context.Canceled) || err.Error() != "context canceled; last: n1 /healthz: context canceled" {
		t.Errorf("Eventually, ctx over before the first try: %v, want context canceled; last: n1 /healthz: context canceled", err)
	}
	if err := Eventually(context.Background(), time.Millisecond, func() (bool, string) { calls++; return calls > 10, "" }); err != nil {
		t.Errorf("Eventually of a cond that comes to hold: %v", err)
	}
}
