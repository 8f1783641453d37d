package netns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostA builds a network with one host, a, as root (or skips the test), and closes
// the network when the test ends.
func hostA(t *testing.T) (*Net, *Host) {
	t.Helper()
	Need(t)
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	a, err := n.AddHost("a")
	if err != nil {
		t.Fatal(err)
	}
	return n, a
}

// TestCutAndRestore: two hosts reach each other over the bridge; a cut host is
// silent; restored, it answers again; Close leaves no namespace behind.
func TestCutAndRestore(t *testing.T) {
	n, a := hostA(t)
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
	Need(t)
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
	other := "other-" + prefix + itoa(os.Getpid()) // not this package's
	if err := ip("netns", "add", other); err != nil {
		t.Fatal(err)
	}
	defer ip("netns", "del", other)
	if slices.Contains(List(), other) {
		t.Fatalf("List holds %s, a namespace of someone else", other)
	}
	Sweep()
	if exists(stale) {
		t.Fatal("the stale namespace survived the sweep")
	}
	if !exists(mine) {
		t.Fatal("the sweep deleted the namespace of a live run")
	}
	if !exists(other) {
		t.Fatal("the sweep deleted a namespace of someone else")
	}
}

// TestNewSweeps: New deletes what a dead run left behind before it builds anything.
func TestNewSweeps(t *testing.T) {
	Need(t)
	stale := prefix + "99999999-dead01-1"
	if err := ip("netns", "add", stale); err != nil {
		t.Fatal(err)
	}
	defer ip("netns", "del", stale)
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if exists(stale) {
		t.Fatal("New left the namespace of a dead run")
	}
}

// TestAvailable: as root with the ip command, namespaces are available; otherwise
// Available says why not.
func TestAvailable(t *testing.T) {
	_, noIP := exec.LookPath("ip")
	err := Available()
	if os.Geteuid() == 0 && noIP == nil {
		if err != nil {
			t.Fatalf("root with the ip command: %v", err)
		}
		return
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("uid %d, ip command: %v: got %v, want ErrUnavailable", os.Geteuid(), noIP, err)
	}
}

// TestHost: a host's namespaces carry this process's id (so a sweep spares them while
// it runs), Wrap runs a program in the host, the host's loopback is up, a name that is
// no host is an error naming it, Close may be called twice, and an AddHost that fails
// says which command failed and leaves no namespace behind.
func TestHost(t *testing.T) {
	n, a := hostA(t)
	for _, ns := range []string{n.sw, a.NS} {
		if pid, ok := Owner(ns); !ok || pid != os.Getpid() {
			t.Fatalf("Owner(%s) = %d, %v; want this process, %d", ns, pid, ok, os.Getpid())
		}
	}
	w := n.Wrap("a")
	out, err := exec.Command(w[0], append(w[1:], "ip", "-4", "-o", "addr", "show", "dev", "eth0")...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), " "+a.IP+"/24 ") {
		t.Fatalf("eth0 seen through Wrap: %v: %s; want %s", err, out, a.IP)
	}
	if w := n.Wrap("nope"); w != nil {
		t.Fatalf("Wrap of no host: %q, want nil", w)
	}
	l, err := n.Listen("a", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on the host's loopback: %v", err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := n.Dialer("a")(ctx, l.Addr().String())
	if err != nil {
		t.Fatalf("dial the host's loopback from the host: %v", err)
	}
	c.Close()
	for name, err := range map[string]error{
		"Cut":     n.Cut("nope"),
		"Restore": n.Restore("nope"),
		"Netem":   n.Netem("nope"),
		"Do":      n.Do("nope", func() error { return nil }),
	} {
		if err == nil || !strings.Contains(err.Error(), `no host "nope"`) {
			t.Errorf("%s of no host: %v, want an error naming it", name, err)
		}
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("the second Close: %v", err)
	}
	// With the switch gone, the veth pair cannot be made.
	if _, err := n.AddHost("b"); !errors.Is(err, ErrCommand) || !strings.Contains(err.Error(), "link add h1 type veth") {
		t.Fatalf("AddHost without a switch: %v, want ErrCommand naming the link it could not add", err)
	}
	for _, ns := range List() {
		if strings.HasPrefix(ns, n.tag) {
			t.Fatalf("namespace %s left after Close and a failed AddHost", ns)
		}
	}
}

// TestDoReturns: Do's fn runs in the host's namespace and its error is Do's; the
// thread that ran it is back in its own namespace afterwards.
func TestDoReturns(t *testing.T) {
	_, a := hostA(t)
	var st syscall.Stat_t
	if err := syscall.Stat("/run/netns/"+a.NS, &st); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	// Locked here, the goroutine keeps its thread through doIn, which locks and
	// unlocks it once more.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self := func() string {
		l, err := os.Readlink("/proc/thread-self/ns/net")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	home := self()
	var inside string
	fnErr := errors.New("fn's own error")
	if err := doIn(a.NS, func() error { inside = self(); return fnErr }); err != fnErr {
		t.Fatalf("doIn returned %v, want fn's error", err)
	}
	if inside != want {
		t.Fatalf("fn ran in %s, want the host's namespace %s", inside, want)
	}
	if got := self(); got != home {
		t.Fatalf("the thread is in %s after doIn, want its own namespace %s", got, home)
	}
}

// fakeTB records what Need does with a test.
type fakeTB struct{ skipped, failed string }

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skipf(format string, args ...any)  { f.skipped = fmt.Sprintf(format, args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

// TestNeedRequire: where namespaces are not available, Need skips a test, or fails it
// under ENSROUTE_NETNS_TEST=require, saying why; where they are, it does neither.
func TestNeedRequire(t *testing.T) {
	for _, require := range []string{"", "require"} {
		t.Setenv(RequireEnv, require)
		var f fakeTB
		Need(&f)
		switch err := Available(); {
		case err == nil && (f.skipped != "" || f.failed != ""):
			t.Errorf("%s=%q, namespaces available: skipped %q, failed %q", RequireEnv, require, f.skipped, f.failed)
		case err != nil && require == "" && (f.failed != "" || !strings.Contains(f.skipped, err.Error())):
			t.Errorf("%s unset, %v: skipped %q, failed %q; want a skip saying why", RequireEnv, err, f.skipped, f.failed)
		case err != nil && require != "" && (f.skipped != "" || !strings.Contains(f.failed, RequireEnv+"=require")):
			t.Errorf("%s=require, %v: skipped %q, failed %q; want a failure", RequireEnv, err, f.skipped, f.failed)
		}
	}
}
