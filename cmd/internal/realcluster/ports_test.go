package realcluster

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFreeAddrBelowEphemeral: FreeAddr's ports are loopback ports below the
// ephemeral range, which a node can bind.
func TestFreeAddrBelowEphemeral(t *testing.T) {
	for range 20 {
		addr := FreeAddr()
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || host != "127.0.0.1" || p < portLow || p >= portHigh {
			t.Fatalf("FreeAddr() = %q, want 127.0.0.1 and a port in [%d, %d)", addr, portLow, portHigh)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("FreeAddr() = %q, which cannot be bound: %v", addr, err)
		}
		l.Close()
	}
}

// TestFreeAddrNeverRepeats: FreeAddr never hands out a port twice in a process,
// though it draws at random: 3,000 draws of 12,000 ports repeat one all but surely.
func TestFreeAddrNeverRepeats(t *testing.T) {
	seen := map[string]int{}
	for i := range 3000 {
		addr := FreeAddr()
		if j, dup := seen[addr]; dup {
			t.Fatalf("draws %d and %d both gave %s", j, i, addr)
		}
		seen[addr] = i
	}
}

// TestWaitConnectedNodeExited: a node that cannot start (its port is taken) ends
// WaitConnected at once with the node's log, instead of after the whole timeout.
func TestWaitConnectedNodeExited(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	taken, err := net.Listen("tcp", FreeAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2"},
		Ensembles: []Ensemble{{ID: "e1", Members: []string{"n1", "n2"}}},
		Addr: func(id string) (string, string) {
			if id == "n1" {
				return taken.Addr().String(), FreeAddr()
			}
			return FreeAddr(), FreeAddr()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = c.WaitConnected(ctx)
	if err == nil || !strings.Contains(err.Error(), "n1 is not running") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("WaitConnected = %v, want n1 is not running, with its log (address already in use)", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("WaitConnected waited out its whole minute: %v", err)
	}
	t.Logf("%v", err)
}

// TestDefaultAddrsDistinct: the addresses a cluster hands out by default are all
// different, though each is drawn at random among free ports: 400 nodes draw 800 of
// 12,000 ports, where a repeat is all but certain.
func TestDefaultAddrsDistinct(t *testing.T) {
	var nodes []string
	for i := range 400 {
		nodes = append(nodes, "n"+strconv.Itoa(i))
	}
	c, err := New(Config{Ensnode: "ensnode", Dir: t.TempDir(), Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, n := range c.Nodes() {
		for _, a := range []string{n.Addr, n.Admin} {
			if o, dup := owner[a]; dup {
				t.Fatalf("%s and %s both have %s", o, n.ID, a)
			}
			owner[a] = n.ID
		}
	}
}

// TestFreeAddrClaimsItsBlock: the block of the range a port FreeAddr handed out lies
// in is claimed for this process machine-wide, so that no other process (another
// package's tests, run at the same time) hands out that port while this one may
// still restart a node on it: another claim of the block fails.
func TestFreeAddrClaimsItsBlock(t *testing.T) {
	_, port, err := net.SplitHostPort(FreeAddr())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	b := (p - portLow) / blockSize
	if l, err := net.Listen("unix", blockName(b)); err == nil {
		l.Close()
		t.Fatalf("port %d was handed out, but its block %d could be claimed again", p, b)
	}
}
