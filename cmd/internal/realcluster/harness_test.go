package realcluster

import (
	"context"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensroute/ensroute/cmd/internal/load"
)

func TestMain(m *testing.M) {
	code := m.Run()
	RemoveShared()
	if code == 0 {
		// Every goroutine of the in-process parts (client nodes, load, samplers) is
		// gone once the tests are done.
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// bins builds the programs once per test binary.
func bins(t *testing.T) Bins {
	t.Helper()
	b, err := BuildShared()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ensembles are three ensembles over n1, n2, n3, each led by another node.
var ensembles = []Ensemble{
	{ID: "e1", Members: []string{"n1", "n2", "n3"}},
	{ID: "e2", Members: []string{"n2", "n3", "n1"}},
	{ID: "e3", Members: []string{"n3", "n1", "n2"}},
}

// startCluster runs n1, n2, n3 on loopback with more ensnode flags args, waits until
// they are all connected, and returns them with a connected client node. Everything
// stops when the test ends; a failed test prints the nodes' logs.
func startCluster(t *testing.T, args ...string) (*Cluster, *Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2", "n3"},
		Ensembles: ensembles, Args: args})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatalf("cluster not connected: %v", err)
	}
	cl, err := c.Client(ctx, "load", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return c, cl
}

// waitFor polls cond for at most d, and fails the test if it never holds.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := Eventually(ctx, 5*time.Millisecond, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// judge checks a load's summary, excusing a call past its deadline and slack by no
// more than the scheduling delay probe measured in this process while the call ran
// (from its start to its end), and logs the allowance under the name of the test's
// figures.
func judge(t *testing.T, name string, s load.Summary, probe *LatenessProbe) {
	t.Helper()
	l := probe.Stop()
	_, _, granted := s.PastDeadline(probe.During)
	t.Logf("%s: allowed past the deadline: slack %v + the scheduling delay meanwhile, at most %v for one call (this process, %d wake-ups: p99 %v, max %v); %d calls past the slack",
		name, ms(s.SlackNS), granted.Round(10*time.Microsecond), l.Samples, l.P99.Round(10*time.Microsecond),
		l.Max.Round(10*time.Microsecond), s.Overdue)
	if err := s.CheckExcused(probe.During); err != nil {
		t.Fatal(err)
	}
}

// runCluster starts the cluster cfg describes and stops it when the test ends; a
// failed test prints the nodes' logs.
func runCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			for _, n := range c.Nodes() {
				t.Logf("%s log:\n%s", n.ID, n.Log())
			}
		}
	})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}
