package netns

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func needRoot(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

// TestCutAndRestore: two hosts reach each other over the bridge; a cut host is
// silent; restored, it answers again; Close leaves no namespace behind.
func TestCutAndRestore(t *testing.T) {
	needRoot(t)
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a, err := n.AddHost("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.AddHost("b")
	if err != nil {
		t.Fatal(err)
	}
	l, err := n.Listen("b", b.IP+":7000")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("hi"))
			_ = c.Close()
		}
	}()
	dial := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		c, err := n.Dialer("a")(ctx, b.IP+":7000")
		if err != nil {
			return err
		}
		defer c.Close()
		got, err := io.ReadAll(c)
		if err == nil && string(got) != "hi" {
			err = errors.New("read " + string(got))
		}
		return err
	}
	// reach dials until a dial succeeds, for at most 5s: a new link comes up (carrier,
	// bridge port, the first ARP) in its own time, which on a busy machine can pass
	// one dial's 300ms.
	reach := func() error {
		end := time.Now().Add(5 * time.Second)
		for {
			err := dial()
			if err == nil || time.Now().After(end) {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := reach(); err != nil {
		t.Fatalf("a -> b: %v", err)
	}
	// This process's own namespace cannot reach b: the address lives only on the bridge.
	// (Something outside may accept the connection; b's greeting must not come back.)
	if c, err := (&dialerOf{}).dial(b.IP + ":7000"); err == nil {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		got, _ := io.ReadAll(c)
		c.Close()
		if string(got) == "hi" {
			t.Fatal("reached a host's address from outside its namespaces")
		}
	}
	if err := n.Cut("b"); err != nil {
		t.Fatal(err)
	}
	if err := dial(); err == nil {
		t.Fatal("a reached b across the cut")
	}
	if err := n.Restore("b"); err != nil {
		t.Fatal(err)
	}
	if err := reach(); err != nil {
		t.Fatalf("a -> b after the restore: %v", err)
	}
	if err := n.Netem("a", "delay", "10ms"); errors.Is(err, ErrNoNetem) {
		t.Logf("netem: %v", err)
	} else if err != nil {
		t.Fatal(err)
	} else if err := n.Netem("a"); err != nil {
		t.Fatal(err)
	}
	tag := n.tag
	if a.IP == b.IP || a.NS == b.NS {
		t.Fatalf("hosts share an address or a namespace: %+v %+v", a, b)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ns := range List() {
		if strings.HasPrefix(ns, tag) {
			t.Fatalf("namespace %s left after Close", ns)
		}
	}
}

// TestSweep: a namespace left by a run whose process is gone is deleted.
func TestSweep(t *testing.T) {
	needRoot(t)
	stale := prefix + "99999999-dead00-1" // above any pid the kernel hands out
	if err := ip("netns", "add", stale); err != nil {
		t.Fatal(err)
	}
	defer ip("netns", "del", stale)
	mine := prefix + itoa(os.Getpid()) + "-live00-1"
	if err := ip("netns", "add", mine); err != nil {
		t.Fatal(err)
	}
	defer ip("netns", "del", mine)
	Sweep()
	if exists(stale) {
		t.Fatal("the stale namespace survived the sweep")
	}
	if !exists(mine) {
		t.Fatal("the sweep deleted the namespace of a live run")
	}
}
