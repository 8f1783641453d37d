package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// gate is a client's receiver that, once shut, holds up its transport's reader at the
// next message until opened, as a client that is slow to read does; blocked is
// closed when it first holds one.
type gate struct {
	drv             *driver.Node
	shut            atomic.Bool
	blocked, opened chan struct{}
	onBlock, onOpen sync.Once
}

func newGate(drv *driver.Node) *gate {
	return &gate{drv: drv, blocked: make(chan struct{}), opened: make(chan struct{})}
}

func (g *gate) Receive(m router.Message) {
	if g.shut.Load() {
		g.onBlock.Do(func() { close(g.blocked) })
		<-g.opened
	}
	g.drv.Receive(m)
}

func (g *gate) open() { g.onOpen.Do(func() { close(g.opened) }) }

// smallBufferDialer dials with a receive buffer as small as the kernel allows, and
// segments of at most 1KB, so that what a held-up reader does not take backs up in
// the sender's queue. The receive buffer alone did not see to that: the sender's
// kernel sizes its send buffer by the segment size (64KB over loopback), and on
// Linux took 2.8MB for a reader that read nothing before a write blocked; with 1KB
// segments it takes less than 100KB, until the reader reads (the send buffer grows
// with what gets through).
func smallBufferDialer() *net.Dialer {
	return &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			if serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1024)
			}
		}); err != nil {
			return err
		}
		return serr
	}}
}

// soloOptions parses the flags of n1, the only member of --peers, leading e1, with
// an admin server: its options, the cluster's secret, its address and its admin
// address, and the buffer its log goes to.
func soloOptions(t *testing.T) (o *options, secret []byte, addr, admin string, logs *syncBuffer) {
	t.Helper()
	secretFile := filepath.Join(t.TempDir(), "secret")
	secret = []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr, admin = realcluster.FreeAddr(), realcluster.FreeAddr()
	logs = &syncBuffer{}
	o, err := parse([]string{"--id", "n1", "--peers", "n1=" + addr, "--ensemble", "e1=n1",
		"--secret-file", secretFile, "--admin", admin}, logs)
	if err != nil {
		t.Fatal(err)
	}
	return o, secret, addr, admin, logs
}

func metricsOf(admin string) string {
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "ensroute_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestStopDoesNotWaitForAdminRequests: a node stopped while an admin request runs
// (a 20s pprof profile) says goodbye and exits at once, rather than after waiting on
// the request first (it took 2s). n1 runs alone: everything else in its stop takes
// milliseconds.
func TestStopDoesNotWaitForAdminRequests(t *testing.T) {
	c := newTestCluster(t)
	n1 := c.nodes[0]
	c.startAlone(n1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n1.adminAddr()+"/debug/pprof/profile?seconds=20", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	c.eventually("the profile runs", func() (bool, string) {
		b := get(t, n1.adminAddr(), "/debug/pprof/goroutine?debug=2")
		return strings.Contains(b, "net/http/pprof.Profile("), b
	})
	start := time.Now()
	_ = n1.cmd.Process.Signal(syscall.SIGTERM)
	if err := n1.cmd.Wait(); err != nil {
		t.Fatalf("n1 after SIGTERM: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("n1 took %v to stop while a profile ran; want well under a second", took)
	}
	c.logged(n1, "msg=stopped")
}

// TestStopBoundsServing: a node whose application is slow (2s a request, one router
// instance) stops within serveLimit of its goodbye, saying so, rather than serving
// every request it has taken first (3 behind the one being served: 8s, which a
// supervisor's stop timeout set as the README advises would cut short).
func TestStopBoundsServing(t *testing.T) {
	c := newTestCluster(t)
	n1 := c.nodes[0]
	c.startAlone(n1, "--service", "2s", "--routers", "1")
	// One client making 4 calls at once: 4 processes of one call each could start
	// seconds apart on a loaded machine, and never have 3 queued at a time.
	bench := exec.Command(filepath.Join(c.bin, "ensctl"), "bench", "--peers", c.peers, "--secret-file", n1.secret,
		"--concurrency", "4", "--duration", "1s", "--timeout", "30s", "e2")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bench.Process.Kill(); _ = bench.Wait() })
	// The router instance takes the 4 requests from its mailbox in one batch and hands
	// them to the peer one after another, 2s each: once all 4 have arrived and none is
	// answered, 3 wait behind the one being served.
	c.eventually("4 requests at n1, none answered yet", func() (bool, string) {
		received, served := metric(t, n1, `ensroute_transport_total{what="received"}`), metric(t, n1, `ensroute_served_total{outcome="ok"}`)
		return received >= 4 && served == 0, fmt.Sprintf("received %v, served %v", received, served)
	})
	start := time.Now()
	_ = n1.cmd.Process.Signal(syscall.SIGTERM)
	if err := n1.cmd.Wait(); err != nil {
		t.Fatalf("n1 after SIGTERM: %v", err)
	}
	// The goodbye (the clients acknowledge at once), serveLimit, the replies and the
	// connections (a second each at most).
	if took, most := time.Since(start), serveLimit+3*time.Second; took > most {
		t.Fatalf("n1 took %v to stop with a slow application; want at most %v", took, most)
	}
	c.logged(n1, "stopping before the router instances have served every request they had taken")
	c.logged(n1, "msg=stopped")
}

// TestReadyzWhileStopping: a stopping node answers /readyz 503 and says why, though
// it is connected to every member (here it is alone).
func TestReadyzWhileStopping(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	admin := realcluster.FreeAddr()
	var logs syncBuffer
	o, err := parse([]string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--secret-file", secretFile, "--admin", admin}, &logs)
	if err != nil {
		t.Fatal(err)
	}
	n1, err := start(o, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer n1.stop()
	readyz := func() (int, string) {
		resp, err := http.Get("http://" + admin + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if code, body := readyz(); code != http.StatusOK || body != `{"ready":true,"connected":1,"members":1,"missing":[]}` {
		t.Fatalf("/readyz before the stop: %d %s", code, body)
	}
	n1.stopping.Store(true) // as stop does first
	if code, body := readyz(); code != http.StatusServiceUnavailable || body != `{"ready":false,"connected":1,"members":1,"missing":[],"stopping":true}` {
		t.Fatalf("/readyz while stopping: %d %s", code, body)
	}
}

// TestReadyzStoppingDuringGoodbye: stop marks the node stopping before anything else:
// while its goodbye waits for a client to acknowledge (the client's reader is held up
// by an answer it has not taken), /readyz answers 503 and says the node is stopping,
// so that a load balancer sends it nothing new.
func TestReadyzStoppingDuringGoodbye(t *testing.T) {
	o, secret, addr, admin, logs := soloOptions(t)
	n1, err := start(o, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var g *gate
	tr, drv := newClient(t, addr, secret, nil, func(drv *driver.Node) nettransport.Receiver {
		g = newGate(drv)
		return g
	})
	defer g.open()
	connectN1(t, tr, logs)
	g.shut.Store(true)
	go func() {
		_, _ = drv.CallTimeout(context.Background(), router.ToEnsemble("e1").Through("n1"), []byte("get k"), 5*time.Second)
	}()
	<-g.blocked
	stopped := make(chan struct{})
	go func() { n1.stop(); close(stopped) }()
	defer func() { g.open(); <-stopped }()
	for {
		resp, err := http.Get("http://" + admin + "/readyz")
		if err != nil {
			t.Fatalf("/readyz never said the node is stopping before the admin server closed: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body := strings.TrimSpace(string(b)); body == `{"ready":false,"connected":1,"members":1,"missing":[],"stopping":true}` {
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("/readyz while stopping: %d %s", resp.StatusCode, body)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-stopped:
		t.Fatal("n1 stopped without waiting for the client's acknowledgement: the test shows nothing")
	default:
	}
}
