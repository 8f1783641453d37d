package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// TestCluster builds ensnode and ensctl, runs three nodes as real processes on
// loopback, and drives them with ensctl: calls reach the leader and return its
// answer, a moved leader is followed, a killed node's ensembles fail fast and never
// past a call's deadline, a restarted node recovers, and a node with the wrong secret
// cannot join. It waits for conditions by polling, never by sleeping.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	c := newTestCluster(t)
	c.startAll()

	// Calls reach the leader's node, through any member, and return its answer.
	c.expect(c.ctl("call", "--via", "n2", "e1", "put", "k", "v1"), "ok", "e1/n1@n1")
	c.expect(c.ctl("call", "--via", "n3", "e1", "get", "k"), "ok v1", "e1/n1@n1")
	c.expect(c.ctl("call", "--via", "n1", "e2", "get", "k"), "missing", "e2/n2@n2")
	// Each node that was sent a call for a leader on another passed it on, and says so.
	for _, p := range c.nodes {
		if got := metric(t, p, "ensroute_passed_on_total"); got != 1 {
			t.Fatalf("%s's ensroute_passed_on_total: %v, want 1", p.id, got)
		}
	}

	// A cast is written out before ensctl exits: every put it sends lands.
	for i := range 10 {
		if out, exit, stderr := c.run("cast", "--via", "n3", "e2", "put", fmt.Sprint("c", i), "v"); exit != 0 || !strings.Contains(string(out), `"sent":true`) {
			t.Fatalf("cast: exit %d, stdout %q, stderr %q", exit, out, stderr)
		}
	}
	for i := range 10 {
		c.eventually(fmt.Sprintf("cast put c%d lands", i), func() (bool, string) {
			o := c.ctl("call", "--via", "n1", "e2", "get", fmt.Sprint("c", i))
			return o.Value == "ok v", fmt.Sprintf("%+v", o)
		})
	}

	// Moving the leader: the new leader's node spreads it and calls follow.
	c.expect(c.ctl("leader", "set", "e1", "n2"), "", "e1/n2@n2")
	for _, via := range []string{"n1", "n3"} {
		c.eventually("calls via "+via+" follow the new leader", func() (bool, string) {
			o := c.ctl("call", "--via", via, "e1", "get", "k")
			return o.Peer == "e1/n2@n2", fmt.Sprintf("%+v", o)
		})
	}

	// Killing n3: calls to e3 (led by n3) fail fast with unreachable, and no call
	// outlives its deadline.
	n3 := c.nodes[2]
	if err := n3.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = n3.cmd.Wait()
	c.eventually("calls to e3 fail with unreachable", func() (bool, string) {
		o := c.ctl("call", "--via", "n1", "--timeout", "2s", "e3", "get", "k")
		if o.LatencyNS > int64(2*time.Second) {
			t.Fatalf("a call outlived its 2s deadline: %+v", o)
		}
		return o.Code == "unreachable" && o.LatencyNS < int64(100*time.Millisecond), fmt.Sprintf("%+v", o)
	})
	b := c.bench(1, "--via", "n1", "--timeout", "300ms", "--concurrency", "8", "--duration", "500ms", "e3")
	if b.OK != 0 || b.Calls == 0 || b.Errors["unreachable"] != b.Calls {
		t.Fatalf("bench against the dead node's ensemble: %+v, want only unreachable", b)
	}
	// Every call failed: their latencies are the failures' (latency_ns has the
	// successes' only).
	if worst, ok := b.ErrorLatencyNS["max"]; !ok || worst > int64(300*time.Millisecond) {
		t.Fatalf("slowest call took %v (reported: %t), past its 300ms deadline", time.Duration(worst), ok)
	}

	// Restarting n3: it rejoins, and its ensemble answers again.
	c.start(n3)
	c.healthy(n3, "n1", "n2")
	c.eventually("e3 answers again after the restart", func() (bool, string) {
		o := c.ctl("call", "--via", "n1", "e3", "get", "k")
		return o.Code == "ok" && o.Peer == "e3/n3@n3", fmt.Sprintf("%+v", o)
	})

	// A node with the wrong secret cannot join, and says why; so does the node it tried.
	bad := &proc{id: "n4", port: freePort(t), admin: freePort(t), secret: c.badSecret}
	c.start(bad)
	c.logged(bad, "cannot connect", "authentication failed")
	c.logged(c.nodes[0], "refused connection", "peer=n4", "did not prove the cluster secret")
	if h := c.health(bad); h == nil || h.connected() != 0 {
		t.Fatalf("the node with the wrong secret is connected: %+v", h)
	}
	// /healthz says it runs; /readyz that it is cut off from the cluster (n4 is in no
	// one else's --peers, so it counts n1, n2, n3 and itself), and that n1 is not.
	if code, body := readyz(t, bad); code != http.StatusServiceUnavailable || body != `{"ready":false,"connected":1,"members":4,"missing":["n1","n2","n3"]}` {
		t.Fatalf("/readyz of the node with the wrong secret: %d %s", code, body)
	}
	if code, body := readyz(t, c.nodes[0]); code != http.StatusOK || body != `{"ready":true,"connected":3,"members":3,"missing":[]}` {
		t.Fatalf("/readyz of n1: %d %s", code, body)
	}
	if o := c.ctl("call", "--secret-file", c.badSecret, "e1", "get", "k"); o.exit != 1 || !strings.Contains(o.stderr, "cannot reach --via") {
		t.Fatalf("ensctl with the wrong secret: %+v", o)
	}

	// Metrics are served, and a node stops cleanly on SIGTERM.
	resp, err := http.Get("http://" + c.nodes[0].adminAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ensroute_calls_total{outcome="ok"}`, "ensroute_reconnects_total", "ensroute_router_mailbox_depth", "ensroute_late_replies_total",
		`ensroute_build_info{go_version="` + runtime.Version() + `",version="`} {
		if !strings.Contains(body.String(), want) {
			t.Fatalf("/metrics lacks %s", want)
		}
	}
	// Bytes have their own counter, not a "what" of the transport's event counters.
	// (A value of a million or more is written as 1.234567e+06.)
	if out := regexp.MustCompile(`(?m)^ensroute_transport_sent_bytes_total ([0-9.e+]+)$`).FindStringSubmatch(body.String()); out == nil || out[1] == "0" {
		t.Fatalf("/metrics: bytes sent %q, want more than none", out)
	}
	if strings.Contains(body.String(), `what="bytes_out"`) {
		t.Fatal(`/metrics: ensroute_transport_total has what="bytes_out", a count of bytes among counts of events`)
	}
	// n1 has told the other members of its ensembles' leaders.
	if out := regexp.MustCompile(`(?m)^ensroute_gossip_messages_total\{direction="out"\} ([0-9]+)$`).FindStringSubmatch(body.String()); out == nil || out[1] == "0" {
		t.Fatalf("/metrics: gossip sent %q, want more than none", out)
	}
	// SIGHUP reloads the credentials (Go's default would end the node on the spot);
	// the node still serves.
	n1 := c.nodes[0]
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded")
	if o := c.ctl("call", "--via", "n1", "e1", "get", "k"); o.exit != 0 {
		t.Fatalf("a call through n1 after SIGHUP: %+v", o)
	}
	_ = n1.cmd.Process.Signal(syscall.SIGTERM)
	if err := n1.cmd.Wait(); err != nil {
		t.Fatalf("n1 after SIGTERM: %v", err)
	}
	c.logged(n1, "msg=stopped")
}

// startAll starts n1, n2 and n3 and waits until each is connected to the others.
func (c *testCluster) startAll() {
	for _, p := range c.nodes {
		c.start(p)
	}
	for _, p := range c.nodes {
		c.healthy(p, "n1", "n2", "n3")
	}
}

// readyz returns p's /readyz status and body.
func readyz(t *testing.T, p *proc) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + p.adminAddr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	return resp.StatusCode, strings.TrimSpace(body.String())
}

type proc struct {
	id, secret  string
	port, admin int
	args        []string // more ensnode flags
	fileLimit   int      // if not 0, startAlone runs ensnode with at most this many open files
	cmd         *exec.Cmd
	log         string
}

func (p *proc) adminAddr() string { return fmt.Sprintf("127.0.0.1:%d", p.admin) }

type testCluster struct {
	t                 *testing.T
	dir, bin          string
	secret, badSecret string
	nodes             []*proc
	peers             string
}

func newTestCluster(t *testing.T) *testCluster {
	c := &testCluster{t: t, dir: t.TempDir()}
	c.bin = filepath.Join(c.dir, "bin")
	buildPrograms(t, c.bin)
	c.secret, c.badSecret = filepath.Join(c.dir, "secret"), filepath.Join(c.dir, "bad-secret")
	_ = os.WriteFile(c.secret, []byte("the-cluster-secret\n"), 0o600)
	_ = os.WriteFile(c.badSecret, []byte("not-the-cluster-secret\n"), 0o600)
	var peers []string
	for _, id := range []string{"n1", "n2", "n3"} {
		p := &proc{id: id, port: freePort(t), admin: freePort(t), secret: c.secret}
		c.nodes = append(c.nodes, p)
		peers = append(peers, fmt.Sprintf("%s=127.0.0.1:%d", id, p.port))
	}
	c.peers = strings.Join(peers, ",")
	return c
}

// freePort returns a loopback port that was free a moment ago (realcluster.FreeAddr
// says why it is not one the kernel picks).
func freePort(t *testing.T) int {
	_, port, err := net.SplitHostPort(realcluster.FreeAddr())
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *testCluster) start(p *proc) {
	peers := c.peers
	if !strings.Contains(peers, p.id+"=") {
		peers += fmt.Sprintf(",%s=127.0.0.1:%d", p.id, p.port)
	}
	p.log = filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", p.id, time.Now().UnixNano()))
	logf, err := os.Create(p.log)
	if err != nil {
		c.t.Fatal(err)
	}
	p.cmd = exec.Command(filepath.Join(c.bin, "ensnode"), "--id", p.id, "--peers", peers,
		"--ensemble", "e1=n1,n2,n3", "--ensemble", "e2=n2,n3,n1", "--ensemble", "e3=n3,n1,n2",
		"--secret-file", p.secret, "--admin", p.adminAddr())
	p.cmd.Args = append(p.cmd.Args, p.args...)
	p.cmd.Stderr, p.cmd.Stdout = logf, logf
	if err := p.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	logf.Close()
	cmd := p.cmd
	c.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if c.t.Failed() {
			b, _ := os.ReadFile(p.log)
			c.t.Logf("%s log:\n%s", p.id, b)
		}
	})
}

type healthz struct {
	Peers []struct {
		ID            string   `json:"id"`
		Connected     bool     `json:"connected"`
		ConfigDiffers []string `json:"config_differs"`
	} `json:"peers"`
}

func (h *healthz) connected() int {
	n := 0
	for _, p := range h.Peers {
		if p.Connected {
			n++
		}
	}
	return n
}

func (c *testCluster) health(p *proc) *healthz {
	resp, err := http.Get("http://" + p.adminAddr() + "/healthz")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var h healthz
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&h) != nil {
		return nil
	}
	return &h
}

// healthy waits until p answers /healthz connected to every node of want but itself.
func (c *testCluster) healthy(p *proc, want ...string) {
	c.eventually(p.id+" healthy and connected", func() (bool, string) {
		h := c.health(p)
		if h == nil {
			return false, "no /healthz yet"
		}
		for _, id := range want {
			ok := id == p.id
			for _, q := range h.Peers {
				ok = ok || (q.ID == id && q.Connected)
			}
			if !ok {
				return false, fmt.Sprintf("%+v", h)
			}
		}
		return true, ""
	})
}

// eventually polls cond until it holds, for at most 10s.
func (c *testCluster) eventually(what string, cond func() (bool, string)) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for time.Now().Before(deadline) {
		var ok bool
		if ok, last = cond(); ok {
			return
		}
		<-tick.C
	}
	c.t.Fatalf("%s: not within 10s; last: %s", what, last)
}

func (c *testCluster) logged(p *proc, fragments ...string) {
	c.t.Helper()
	c.eventually(p.id+" logs "+strings.Join(fragments, " … "), func() (bool, string) {
		b, _ := os.ReadFile(p.log)
		for _, line := range strings.Split(string(b), "\n") {
			all := true
			for _, f := range fragments {
				all = all && strings.Contains(line, f)
			}
			if all {
				return true, ""
			}
		}
		return false, string(b)
	})
}

// ctlOut is one ensctl run: its JSON outcome, exit status and stderr.
type ctlOut struct {
	Peer      string `json:"peer"`
	Value     string `json:"value"`
	Code      string `json:"code"`
	LatencyNS int64  `json:"latency_ns"`
	exit      int
	stderr    string
}

func (c *testCluster) run(args ...string) (stdout []byte, exit int, stderr string) {
	full := append([]string{args[0], "--peers", c.peers, "--secret-file", c.secret, "--json"}, args[1:]...)
	if args[0] == "leader" {
		full = append([]string{"leader", args[1], "--peers", c.peers, "--secret-file", c.secret, "--json"}, args[2:]...)
	}
	cmd := exec.Command(filepath.Join(c.bin, "ensctl"), full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return out.Bytes(), exit, errb.String()
}

func (c *testCluster) ctl(args ...string) ctlOut {
	out, exit, stderr := c.run(args...)
	o := ctlOut{exit: exit, stderr: stderr}
	if len(out) > 0 {
		if err := json.Unmarshal(out, &o); err != nil {
			c.t.Fatalf("ensctl %v printed %q: %v", args, out, err)
		}
	}
	return o
}

func (c *testCluster) expect(o ctlOut, value, peer string) {
	c.t.Helper()
	if o.exit != 0 || o.Code != "ok" || (value != "" && o.Value != value) || o.Peer != peer {
		c.t.Fatalf("got %+v, want ok %q from %s", o, value, peer)
	}
}

type benchOut struct {
	Calls          int64            `json:"calls"`
	OK             int64            `json:"ok"`
	Errors         map[string]int64 `json:"errors"`
	LatencyNS      map[string]int64 `json:"latency_ns"`
	ErrorLatencyNS map[string]int64 `json:"error_latency_ns"`
}

// bench runs ensctl bench, which must exit with status exit, and returns its report.
func (c *testCluster) bench(exit int, args ...string) benchOut {
	out, got, stderr := c.run(append([]string{"bench"}, args...)...)
	var b benchOut
	if got != exit || json.Unmarshal(out, &b) != nil {
		c.t.Fatalf("ensctl bench: exit %d (want %d), %q, %s", got, exit, out, stderr)
	}
	return b
}

// TestLeaderDrain: ensctl leader drain n3 moves the ensemble n3 leads (e3) to another
// member and leaves the others alone; n3 can then stop without e3 failing. Without
// the ensembles to look at it is a usage error.
func TestLeaderDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	c.startAll()
	ensembles := []string{"--ensemble", "e1=n1,n2,n3", "--ensemble", "e2=n2,n3,n1", "--ensemble", "e3=n3,n1,n2"}
	out, exit, stderr := c.run(append(append([]string{"leader", "drain"}, ensembles...), "n3")...)
	if exit != 0 {
		t.Fatalf("drain: exit %d: %s", exit, stderr)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		`{"ensemble":"e1","leader":"n1","moved":false}`,
		`{"ensemble":"e2","leader":"n2","moved":false}`,
		`{"ensemble":"e3","leader":"n3","to":"n1","moved":true}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("drain printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o := c.ctl("leader", "get", "--via", "n2", "e3"); o.exit != 0 || o.Peer != "e3/n1@n1" {
		t.Fatalf("e3's leader after the drain, as n2 sees it: %+v", o)
	}
	n3 := c.nodes[2]
	_ = n3.cmd.Process.Signal(syscall.SIGTERM)
	if err := n3.cmd.Wait(); err != nil {
		t.Fatalf("n3 after SIGTERM: %v", err)
	}
	c.expect(c.ctl("call", "--via", "n2", "e3", "get", "k"), "", "e3/n1@n1")
	if _, exit, stderr := c.run("leader", "drain", "n1"); exit != 2 || !strings.Contains(stderr, "which ensembles?") {
		t.Fatalf("drain without ensembles: exit %d, %s", exit, stderr)
	}
}
