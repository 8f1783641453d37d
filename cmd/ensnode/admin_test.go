package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestMetricsCountWhatANodeServes: a node that starts no call but serves those of a
// client shows on /metrics how many requests it served and how they ended
// (ensroute_served_total), while ensroute_calls_total, which counts the calls started
// on the node, stays at zero. The node runs in this process on loopback; the client
// is a driver node over the TCP transport.
func TestMetricsCountWhatANodeServes(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr, admin := realcluster.FreeAddr(), realcluster.FreeAddr()
	ctx, stop := context.WithCancel(context.Background())
	var logs syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--id", "n1", "--peers", "n1=" + addr, "--ensemble", "e1=n1",
			"--secret-file", secretFile, "--admin", admin}, io.Discard, &logs)
	}()
	defer func() {
		stop()
		if code := <-exited; code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	}()
	drv := dialClient(t, addr, secret, &logs)

	// A cast first: n1 receives it, and answers nothing.
	if err := drv.Cast(router.ToEnsemble("e1").Through("n1"), []byte("put c v")); err != nil {
		t.Fatal(err)
	}
	const puts = 5
	for range puts {
		res, err := drv.CallTimeout(context.Background(), router.ToEnsemble("e1").Through("n1"), []byte("put k v"), 5*time.Second)
		if err != nil || string(res.Value) != "ok" {
			t.Fatalf("put: %q, %v", res.Value, err)
		}
	}
	if _, err := drv.CallTimeout(context.Background(), router.ToEnsemble("e9").Through("n1"), []byte("get k"), 5*time.Second); !errors.Is(err, router.ErrNoLeader) {
		t.Fatalf("call to an ensemble n1 does not know: %v, want %v", err, router.ErrNoLeader)
	}

	const want = `
# HELP ensroute_calls_total Calls started on this node that completed, by outcome (zero on a node that only serves).
# TYPE ensroute_calls_total counter
ensroute_calls_total{outcome="hop-limit"} 0
ensroute_calls_total{outcome="no-leader"} 0
ensroute_calls_total{outcome="not-leader"} 0
ensroute_calls_total{outcome="ok"} 0
ensroute_calls_total{outcome="overloaded"} 0
ensroute_calls_total{outcome="timeout"} 0
ensroute_calls_total{outcome="unreachable"} 0
# HELP ensroute_served_total Replies this node sent for calls started on other nodes, by outcome (nack: a local peer refused).
# TYPE ensroute_served_total counter
ensroute_served_total{outcome="hop-limit"} 0
ensroute_served_total{outcome="nack"} 0
ensroute_served_total{outcome="no-leader"} 1
ensroute_served_total{outcome="not-leader"} 0
ensroute_served_total{outcome="ok"} 5
ensroute_served_total{outcome="overloaded"} 0
ensroute_served_total{outcome="timeout"} 0
ensroute_served_total{outcome="unreachable"} 0
# HELP ensroute_passed_on_total Requests of calls started on other nodes that this node sent on to another node.
# TYPE ensroute_passed_on_total counter
ensroute_passed_on_total 0
# HELP ensroute_request_hops Requests (routes, casts, peer requests) that arrived here, by the transfers between nodes they had made.
# TYPE ensroute_request_hops histogram
ensroute_request_hops_bucket{le="0"} 0
ensroute_request_hops_bucket{le="1"} 7
ensroute_request_hops_bucket{le="2"} 7
ensroute_request_hops_bucket{le="3"} 7
ensroute_request_hops_bucket{le="4"} 7
ensroute_request_hops_bucket{le="5"} 7
ensroute_request_hops_bucket{le="6"} 7
ensroute_request_hops_bucket{le="7"} 7
ensroute_request_hops_bucket{le="+Inf"} 7
ensroute_request_hops_sum 7
ensroute_request_hops_count 7
`
	if err := testutil.ScrapeAndCompare("http://"+admin+"/metrics", strings.NewReader(want),
		"ensroute_calls_total", "ensroute_served_total", "ensroute_passed_on_total", "ensroute_request_hops"); err != nil {
		t.Fatal(err)
	}
	// The transport's counts of messages: the cast and the six calls received, the
	// calls' six answers sent.
	body := get(t, admin, "/metrics")
	for _, want := range []string{`ensroute_transport_total{what="received"} 7`, `ensroute_transport_total{what="sent"} 6`} {
		if !strings.Contains(body, "\n"+want+"\n") {
			t.Errorf("/metrics lacks %s:\n%s", want, metricsOf(admin))
		}
	}
	// Bytes, not messages: each answer takes more than 20 (its call's id, the peer
	// that answered, the value).
	if out := regexp.MustCompile(`(?m)^ensroute_transport_sent_bytes_total ([0-9.e+]+)$`).FindStringSubmatch(body); out == nil {
		t.Errorf("/metrics lacks ensroute_transport_sent_bytes_total:\n%s", metricsOf(admin))
	} else if n, _ := strconv.ParseFloat(out[1], 64); n < 6*20 {
		t.Errorf("ensroute_transport_sent_bytes_total %s for six answers sent: want bytes, not messages", out[1])
	}
}

// TestHopsBucketsAreCumulative: each bucket of ensroute_request_hops counts the
// requests that had made at most le transfers, and those past the last bucket are only
// in +Inf, with their true sum.
func TestHopsBucketsAreCumulative(t *testing.T) {
	tr, drv := unconnected(t)
	for _, hops := range []int{0, 1, 1, 7, driver.MaxHops, driver.MaxHops + 4} {
		drv.Receive(router.Message{Kind: router.KindCast, From: "n2", Ensemble: "e9", Event: []byte("x"), Budget: time.Second, Hops: hops})
	}
	const want = `
# HELP ensroute_request_hops Requests (routes, casts, peer requests) that arrived here, by the transfers between nodes they had made.
# TYPE ensroute_request_hops histogram
ensroute_request_hops_bucket{le="0"} 1
ensroute_request_hops_bucket{le="1"} 3
ensroute_request_hops_bucket{le="2"} 3
ensroute_request_hops_bucket{le="3"} 3
ensroute_request_hops_bucket{le="4"} 3
ensroute_request_hops_bucket{le="5"} 3
ensroute_request_hops_bucket{le="6"} 3
ensroute_request_hops_bucket{le="7"} 4
ensroute_request_hops_bucket{le="+Inf"} 6
ensroute_request_hops_sum 29
ensroute_request_hops_count 6
`
	if err := testutil.CollectAndCompare(&metrics{drv: drv, tr: tr}, strings.NewReader(want), "ensroute_request_hops"); err != nil {
		t.Fatal(err)
	}
}

// unconnected returns node n1's transport and driver, connected to nothing, which
// the test hands messages by hand; both close when the test ends.
func unconnected(t *testing.T) (*nettransport.Transport, *driver.Node) {
	t.Helper()
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Incarnation: 1, Cluster: "ensroute",
		Secret: []byte("long-enough-secret"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	drv, err := driver.New(driver.Config{ID: "n1", Incarnation: 1, Transport: tr, Logger: slog.New(slog.DiscardHandler),
		Members: []router.NodeID{"n2", "n3"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drv.Close() })
	return tr, drv
}

// TestMetricsCountExpiredBadInstanceAndGossip: a call that has run out of time before
// it starts, a route naming a router instance the node lacks, a directory message
// received, a conflicting directory entry and gossip from a node that is not a member
// each show on /metrics under their own name.
func TestMetricsCountExpiredBadInstanceAndGossip(t *testing.T) {
	tr, drv := unconnected(t)
	to := router.ToEnsemble("e1")
	passed, cancelPassed := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelPassed()
	if _, err := drv.Call(passed, to, []byte("get k")); !errors.Is(err, router.ErrTimeout) {
		t.Fatalf("call with no time left: %v, want %v", err, router.ErrTimeout)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := drv.Call(done, to, []byte("get k")); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with a cancelled context: %v, want %v", err, context.Canceled)
	}
	drv.Receive(router.Message{Kind: router.KindCast, From: "n2", Ensemble: "e9", Event: []byte("x"), Budget: time.Second, Instance: 1 << 20})
	for range 3 {
		drv.Receive(router.Message{Kind: router.KindGossip, From: "n2",
			Entries: []router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n2"}, Version: 1}}})
	}
	// The same version naming another leader: refused twice, a conflict each time.
	for range 2 {
		drv.Receive(router.Message{Kind: router.KindGossip, From: "n3",
			Entries: []router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "q", Node: "n3"}, Version: 1}}})
	}
	// Gossip from a node that is not a member: its three entries refused (a count
	// other than the conflicts', so that each counter is told from the other).
	drv.Receive(router.Message{Kind: router.KindGossip, From: "client",
		Entries: []router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "x", Node: "x"}, Version: 9}, {Ensemble: "e2"}, {Ensemble: "e3"}}})
	const want = `
# HELP ensroute_calls_expired_total Calls started on this node that ended before they reached a router instance: their deadline had passed, or their context was done, when they started or while they waited for a busy router core.
# TYPE ensroute_calls_expired_total counter
ensroute_calls_expired_total 2
# HELP ensroute_bad_instance_total Routes and casts naming a router instance this node lacks (the sender runs more of them), folded onto one it has (the log warns once per sender).
# TYPE ensroute_bad_instance_total counter
ensroute_bad_instance_total 1
# HELP ensroute_gossip_messages_total Directory messages received (in) and sent (out).
# TYPE ensroute_gossip_messages_total counter
ensroute_gossip_messages_total{direction="in"} 6
ensroute_gossip_messages_total{direction="out"} 0
# HELP ensroute_directory_conflicts_total Directory entries refused because they named another leader with the version this node holds: two leaders announced with one version (the log warns once per ensemble and version).
# TYPE ensroute_directory_conflicts_total counter
ensroute_directory_conflicts_total 2
# HELP ensroute_gossip_refused_total Directory entries refused because their sender is not a member of --peers, because they are malformed, or because they name an ensemble this node is not configured with or a leader on a node that is not one of its members (the log warns once per sender).
# TYPE ensroute_gossip_refused_total counter
ensroute_gossip_refused_total 3
`
	if err := testutil.CollectAndCompare(&metrics{drv: drv, tr: tr}, strings.NewReader(want),
		"ensroute_calls_expired_total", "ensroute_bad_instance_total", "ensroute_gossip_messages_total", "ensroute_directory_conflicts_total",
		"ensroute_gossip_refused_total"); err != nil {
		t.Fatal(err)
	}
}

// newClient starts a client-only node, "client", that knows n1 at addr, and closes it
// when the test ends. dial, if not nil, makes its connections; wrap, if not nil,
// returns what its transport hands messages to instead of the driver.
func newClient(t *testing.T, addr string, secret []byte, dial func(context.Context, string) (net.Conn, error),
	wrap func(*driver.Node) nettransport.Receiver) (*nettransport.Transport, *driver.Node) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	tr, err := nettransport.New(nettransport.Config{ID: "client", Incarnation: 1, Cluster: "ensroute", Secret: secret,
		Peers: map[router.NodeID]string{"n1": addr}, Logger: quiet, Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	drv, err := driver.New(driver.Config{ID: "client", Incarnation: 1, Transport: tr, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drv.Close() })
	var r nettransport.Receiver = drv
	if wrap != nil {
		r = wrap(drv)
	}
	tr.Attach(r)
	return tr, drv
}

// connectN1 connects the client transport tr to n1, retrying for up to 10s while n1
// starts; it fails the test, with n1's log if logs is not nil, when it cannot.
func connectN1(t *testing.T, tr *nettransport.Transport, logs *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tr.Connect(context.Background(), "n1") != nil {
		if time.Now().After(deadline) {
			if logs != nil {
				t.Fatalf("cannot connect to n1:\n%s", logs.String())
			}
			t.Fatal("cannot connect to n1")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dialClient returns a client driver node ("client") connected to the node at addr.
func dialClient(t *testing.T, addr string, secret []byte, logs *syncBuffer) *driver.Node {
	t.Helper()
	tr, drv := newClient(t, addr, secret, nil, nil)
	connectN1(t, tr, logs)
	return drv
}

// discard is a Receiver that drops what it is handed.
type discard struct{}

func (discard) Receive(router.Message) {}

// n1AndATestPeer runs ensnode n1 in this process on loopback, with an admin server,
// and a member n2 that is a transport the test drives, listening on loopback and
// dialed in to n1. n1's --peers gives n2's address, or n2At if not "" (where n2 does
// not listen). It returns n1's admin address, n2 and n1's logs; n1 stops when the
// test ends, and must exit 0.
func n1AndATestPeer(t *testing.T, n2At string) (admin string, n2 *nettransport.Transport, logs *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr1, addr2 := realcluster.FreeAddr(), realcluster.FreeAddr()
	admin = realcluster.FreeAddr()
	if n2At == "" {
		n2At = addr2
	}
	ctx, stop := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--id", "n1", "--peers", "n1=" + addr1 + ",n2=" + n2At,
			"--secret-file", secretFile, "--admin", admin}, io.Discard, logs)
	}()
	t.Cleanup(func() {
		stop()
		if code := <-exited; code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	})
	n2, err := nettransport.New(nettransport.Config{ID: "n2", Incarnation: 1, Cluster: "ensroute", Secret: secret,
		Peers: map[router.NodeID]string{"n1": addr1}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n2.Close() })
	n2.Attach(discard{})
	l, err := net.Listen("tcp", addr2)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = n2.Serve(l) }()
	return admin, n2, logs
}

// TestUnansweredPeerOnAdmin: a member that dialed in, but that n1 finds nothing
// listening for at its address in n1's --peers (a stale --peers, say), shows on
// /healthz as connected with "address_unanswered":true, and on /metrics with
// ensroute_peer_address_unanswered 1: clients given that address lose its replies,
// and a health check sees it. At its right address, neither: the field is left out
// and the gauge is 0 (n1 then dials n2 itself, which settles it; the probe's own
// findings, in either order, are the transport's tests').
func TestUnansweredPeerOnAdmin(t *testing.T) {
	for _, wrong := range []bool{true, false} {
		n2At := ""
		if wrong {
			n2At = realcluster.FreeAddr() // nothing listens there
		}
		admin, n2, logs := n1AndATestPeer(t, n2At)
		// n2 dials in, as soon as n1 listens: at the wrong address, n1 cannot dial it.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := n2.Connect(ctx, "n1")
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("n2 never connected to n1: %v\n%s", err, logs.String())
			}
		}
		want := `"peers":[{"id":"n2","connected":true}]`
		if wrong {
			want = `"peers":[{"id":"n2","connected":true,"address_unanswered":true}]`
		}
		var body string
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(body, want); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("n2 at the wrong address %v: /healthz says %s, want %s\n%s", wrong, body, want, logs.String())
			}
			body = get(t, admin, "/healthz")
		}
		gauge := fmt.Sprintf(`
# HELP ensroute_peer_address_unanswered 1 if the member of --peers dialed in, but nothing answered at its address in --peers when this node checked: clients that dial it there lose its replies (a wrong --listen there, or a stale --peers here).
# TYPE ensroute_peer_address_unanswered gauge
ensroute_peer_address_unanswered{peer="n2"} %d
`, map[bool]int{true: 1}[wrong])
		if err := testutil.ScrapeAndCompare("http://"+admin+"/metrics", strings.NewReader(gauge), "ensroute_peer_address_unanswered"); err != nil {
			t.Errorf("n2 at the wrong address %v: %v", wrong, err)
		}
	}
}

// TestLeavingPeerOnAdmin: a member that said goodbye (it is stopping) shows on
// /healthz as leaving, not connected, and on /metrics with ensroute_peer_leaving 1
// and ensroute_peer_connected 0, for as long as its connection lasts. n1 runs in this
// process on loopback; its peer n2 is a transport the test drives, which says goodbye
// and then keeps its connection open.
func TestLeavingPeerOnAdmin(t *testing.T) {
	admin, n2, logs := n1AndATestPeer(t, "")

	type peer struct {
		ID        string `json:"id"`
		Connected bool   `json:"connected"`
		Leaving   *bool  `json:"leaving"` // nil: absent
	}
	healthz := func() ([]peer, string) {
		resp, err := http.Get("http://" + admin + "/healthz")
		if err != nil {
			return nil, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var h struct {
			Peers []peer `json:"peers"`
		}
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, err.Error()
		}
		return h.Peers, string(b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, body := healthz()
		if len(ps) == 1 && ps[0].Connected && n2.Connected("n1") {
			if ps[0].Leaving != nil {
				t.Fatalf("a connected member shows \"leaving\": %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("n1 never connected to n2: %s\n%s", body, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := n2.Goodbye(context.Background()); err != nil {
		t.Fatalf("n2's goodbye: %v\n%s", err, logs.String())
	}
	// n1 acknowledged: it had marked n2 leaving. n2's connection stays open.
	if ps, body := healthz(); len(ps) != 1 || ps[0].Connected || ps[0].Leaving == nil || !*ps[0].Leaving {
		t.Fatalf("/healthz after n2's goodbye: %s, want n2 leaving and not connected", body)
	}
	const want = `
# HELP ensroute_peer_connected 1 if the member of --peers is connected (0 once it said goodbye).
# TYPE ensroute_peer_connected gauge
ensroute_peer_connected{peer="n2"} 0
# HELP ensroute_peer_leaving 1 if the member of --peers said goodbye (it is stopping) and its connection is not closed yet.
# TYPE ensroute_peer_leaving gauge
ensroute_peer_leaving{peer="n2"} 1
`
	if err := testutil.ScrapeAndCompare("http://"+admin+"/metrics", strings.NewReader(want),
		"ensroute_peer_connected", "ensroute_peer_leaving"); err != nil {
		t.Fatal(err)
	}
}

// startNode runs ensnode n1 in this process with --peers n1 and more, the flags args
// and an admin server; it returns n1's address and the admin address. The node stops
// when the test ends, and must exit 0.
func startNode(t *testing.T, secretFile, peers string, args ...string) (addr, admin string) {
	t.Helper()
	addr, admin = realcluster.FreeAddr(), realcluster.FreeAddr()
	if peers != "" {
		peers = "," + peers
	}
	ctx, stop := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"--id", "n1", "--peers", "n1=" + addr + peers, "--secret-file", secretFile,
			"--admin", admin}, args...), io.Discard, logs)
	}()
	t.Cleanup(func() {
		stop()
		if code := <-exited; code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	})
	return addr, admin
}

// get returns the body of the admin server's page, waiting for the server to be up.
func get(t *testing.T, admin, page string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + admin + page)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return string(b)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", page, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHealthzListsAreArrays: /healthz of a node alone in --peers and with no
// ensemble gives its peers and its directory as empty arrays, not null, which a
// JSON consumer (jq '.peers | length') would trip on.
func TestHealthzListsAreArrays(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	_, admin := startNode(t, secretFile, "")
	body := get(t, admin, "/healthz")
	var h map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz %q: %v", body, err)
	}
	for _, key := range []string{"peers", "directory"} {
		if string(h[key]) != "[]" {
			t.Fatalf("/healthz %s: %s, want []; body %s", key, h[key], body)
		}
	}
}

// TestMetricsSeriesIgnoreClientIDs: the series on /metrics are the same set whatever
// clients are connected: ensctl takes a new node id each run, and a series per
// client id would leave a scraper a new series per run. The members of --peers have
// their per-peer series (n2, not running, too); clients are only counted, in
// ensroute_clients_connected. Clients of two rounds, four at a time with ids of their
// own, connect to n1 over TCP.
func TestMetricsSeriesIgnoreClientIDs(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr, admin := startNode(t, secretFile, "n2="+realcluster.FreeAddr())
	// series returns the series of /metrics (name and labels) of this program, and
	// the value of ensroute_clients_connected.
	series := func() (map[string]bool, string) {
		out, clients := map[string]bool{}, ""
		for _, line := range strings.Split(get(t, admin, "/metrics"), "\n") {
			if !strings.HasPrefix(line, "ensroute_") {
				continue
			}
			name, value, _ := strings.Cut(line, " ")
			out[name] = true
			if name == "ensroute_clients_connected" {
				clients = value
			}
		}
		return out, clients
	}
	want, clients := series()
	for _, s := range []string{`ensroute_peer_connected{peer="n2"}`, `ensroute_peer_leaving{peer="n2"}`, `ensroute_send_queue_bytes{peer="n2"}`} {
		if !want[s] || clients != "0" {
			t.Fatalf("/metrics lacks %s, or counts %s clients: %v", s, clients, want)
		}
	}
	awaitClients := func(n string) map[string]bool {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, clients := series()
			if clients == n {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("ensroute_clients_connected %s, want %s", clients, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for round := range 2 {
		var trs []*nettransport.Transport
		for i := range 4 {
			id := router.NodeID(fmt.Sprintf("ctl-%d-%d", round, i))
			tr, err := nettransport.New(nettransport.Config{ID: id, Incarnation: 1, Cluster: "ensroute", Secret: secret,
				Peers: map[router.NodeID]string{"n1": addr}, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			tr.Attach(discard{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = tr.Connect(ctx, "n1")
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			trs = append(trs, tr)
		}
		got := awaitClients("4")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: the series changed with 4 clients connected (-before +now):\n%s", round, diff)
		}
		for _, tr := range trs {
			_ = tr.Close()
		}
		awaitClients("0")
	}
}

// TestReadyzCountsMembersNotClients: /readyz wants more than half of the members of
// --peers connected, the node itself counted: one of two is not a majority. A client
// (a node not in --peers, such as ensctl) counts neither as a member nor as connected,
// and /healthz does not list it among the peers: clients connected to a node cut off
// from the other members do not make it ready.
func TestReadyzCountsMembersNotClients(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr, admin := startNode(t, secretFile, "n2="+realcluster.FreeAddr())
	var logs syncBuffer
	dialClient(t, addr, secret, &logs)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(get(t, admin, "/metrics"), "\nensroute_clients_connected 1\n") {
		if time.Now().After(deadline) {
			t.Fatal("n1 never counted the client as connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Get("http://" + admin + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if body := strings.TrimSpace(string(b)); resp.StatusCode != http.StatusServiceUnavailable || body != `{"ready":false,"connected":1,"members":2,"missing":["n2"]}` {
		t.Fatalf("/readyz of n1, connected to a client but not to n2: %d %s", resp.StatusCode, body)
	}
	var h health
	if body := get(t, admin, "/healthz"); json.Unmarshal([]byte(body), &h) != nil || len(h.Peers) != 1 || h.Peers[0].ID != "n2" || h.Peers[0].Connected {
		t.Fatalf("/healthz of n1: %s, want n2 alone among the peers, not connected", body)
	}
}

// TestMetricsCountWhatBecameOfRequests: requests that a node drops or refuses show on
// /metrics each under its own name, with a count of its own so that no counter is
// mistaken for another: a reply for no call of the node's (late), casts whose budget
// was spent before they arrived, routes that the node would pass on to the leader's
// node past the hop limit, and routes that arrive once the node is closing (shed).
func TestMetricsCountWhatBecameOfRequests(t *testing.T) {
	tr, drv := unconnected(t)
	drv.Learn(router.Entry{Ensemble: "e9", Leader: router.PeerRef{Ensemble: "e9", Name: "p", Node: "n3"}, Version: 1})
	drv.Receive(router.Message{Kind: router.KindReply, From: "n2", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 99}, Code: router.CodeOK})
	for range 2 {
		drv.Receive(router.Message{Kind: router.KindCast, From: "n2", Ensemble: "e9", Event: []byte("x"), Budget: -time.Second})
	}
	for i := range 3 {
		drv.Receive(router.Message{Kind: router.KindRoute, From: "n2", Call: router.CallID{Node: "n2", Incarnation: 1, Seq: uint64(i + 1)},
			Ensemble: "e9", Event: []byte("x"), Budget: time.Second, Hops: 1000})
	}
	deadline := time.Now().Add(10 * time.Second)
	for st := drv.Stats(); st.Router.Late < 1 || st.Router.Budget < 2 || st.Router.HopLimit < 3; st = drv.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("the requests were not all counted: %+v", st.Router)
		}
		time.Sleep(time.Millisecond)
	}
	_ = drv.Close()
	for i := range 4 {
		drv.Receive(router.Message{Kind: router.KindRoute, From: "n2", Call: router.CallID{Node: "n2", Incarnation: 1, Seq: uint64(i + 10)},
			Ensemble: "e9", Event: []byte("x"), Budget: time.Second})
	}
	const want = `
# HELP ensroute_late_replies_total Replies dropped because their call had completed (under riak also leaders' answers to a worker that had given up).
# TYPE ensroute_late_replies_total counter
ensroute_late_replies_total 1
# HELP ensroute_budget_spent_total Requests dropped at a hop because their budget was spent.
# TYPE ensroute_budget_spent_total counter
ensroute_budget_spent_total 2
# HELP ensroute_hop_limit_total Requests refused at the hop limit.
# TYPE ensroute_hop_limit_total counter
ensroute_hop_limit_total 3
# HELP ensroute_shed_total Routes and casts refused because a router instance's mailbox was full or the node was closing.
# TYPE ensroute_shed_total counter
ensroute_shed_total 4
# HELP ensroute_redirects_total Nacks redirected to a newer leader.
# TYPE ensroute_redirects_total counter
ensroute_redirects_total 0
`
	if err := testutil.CollectAndCompare(&metrics{drv: drv, tr: tr}, strings.NewReader(want),
		"ensroute_late_replies_total", "ensroute_budget_spent_total", "ensroute_hop_limit_total", "ensroute_shed_total", "ensroute_redirects_total"); err != nil {
		t.Fatal(err)
	}
}

// TestReplyHoldZero: with --reply-hold 0 a node keeps no reply for a client that is
// gone: the answer to a call whose client closed while its peer worked on it is
// unreachable at once. With a hold, the same answer is kept for the client to come
// back.
func TestReplyHoldZero(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	for _, tc := range []struct {
		hold            string
		held, unreached string
	}{{"0", "0", "1"}, {"3s", "1", "0"}} {
		t.Run("--reply-hold "+tc.hold, func(t *testing.T) {
			addr, admin := startNode(t, secretFile, "", "--ensemble", "e1=n1", "--service", "200ms", "--reply-hold", tc.hold)
			tr, drv := newClient(t, addr, secret, nil, nil)
			deadline := time.Now().Add(10 * time.Second)
			connectN1(t, tr, nil)
			go func() {
				_, _ = drv.CallTimeout(context.Background(), router.ToEnsemble("e1").Through("n1"), []byte("get k"), 5*time.Second)
			}()
			for !strings.Contains(get(t, admin, "/metrics"), "\nensroute_transport_total{what=\"received\"} 1\n") {
				if time.Now().After(deadline) {
					t.Fatal("n1 never received the call")
				}
				time.Sleep(time.Millisecond)
			}
			_ = tr.Close()
			held, unreached := regexp.MustCompile(`(?m)^ensroute_transport_total\{what="replies_held"\} (\d+)$`), regexp.MustCompile(`(?m)^ensroute_transport_total\{what="unreachable"\} (\d+)$`)
			for {
				m := get(t, admin, "/metrics")
				h, u := held.FindStringSubmatch(m), unreached.FindStringSubmatch(m)
				if h != nil && u != nil && (h[1] != "0" || u[1] != "0") {
					if h[1] != tc.held || u[1] != tc.unreached {
						t.Fatalf("the answer for the client gone: %s held, %s unreachable; want %s and %s", h[1], u[1], tc.held, tc.unreached)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("n1 never answered the call:\n%s", metricsOf(admin))
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// TestMetricsCountRedials: a node whose member is down dials it again and again, and
// /metrics counts the attempts after the first (reconnects) and the dials that failed,
// every one of them here: one more than the reconnects.
func TestMetricsCountRedials(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	_, admin := startNode(t, secretFile, "n2="+realcluster.FreeAddr())
	reconnects := regexp.MustCompile(`(?m)^ensroute_reconnects_total (\d+)$`)
	failures := regexp.MustCompile(`(?m)^ensroute_transport_total\{what="dial_failures"\} (\d+)$`)
	deadline := time.Now().Add(10 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		m := get(t, admin, "/metrics")
		r, f := reconnects.FindStringSubmatch(m), failures.FindStringSubmatch(m)
		if r != nil && f != nil {
			nr, _ := strconv.Atoi(r[1])
			nf, _ := strconv.Atoi(f[1])
			if nr >= 1 && nf == nr+1 {
				return
			}
			last = fmt.Sprintf("%d reconnects, %d dials failed", nr, nf)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("n1 dialing n2, which is down: %s; want a redial at least, and each dial failed", last)
}

// TestMetricsSendQueues: the answers that wait for a node slow to read show on
// /metrics: a member's in its ensroute_send_queue_bytes, a client's in
// ensroute_clients_send_queue_bytes. n1 runs in this process on loopback; the other
// node (member n2, or a client) is a driver node over the TCP transport that the test
// drives, which calls e1 for a large value with its reader held up (and its receive
// buffer as small as the kernel allows) until n1's answers wait in the queue, past
// what the kernel's buffers hold.
func TestMetricsSendQueues(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	for _, tc := range []struct {
		id     router.NodeID
		series string
	}{{"n2", `ensroute_send_queue_bytes{peer="n2"}`}, {"ctl-1", "ensroute_clients_send_queue_bytes"}} {
		t.Run(string(tc.id), func(t *testing.T) {
			addr, admin := startNode(t, secretFile, "n2="+realcluster.FreeAddr(), "--ensemble", "e1=n1")
			quiet := slog.New(slog.DiscardHandler)
			dialer := smallBufferDialer()
			tr, err := nettransport.New(nettransport.Config{ID: tc.id, Incarnation: 1, Cluster: "ensroute", Secret: secret,
				Peers: map[router.NodeID]string{"n1": addr}, Logger: quiet,
				Dial: func(ctx context.Context, a string) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", a) }})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			drv, err := driver.New(driver.Config{ID: tc.id, Incarnation: 1, Transport: tr, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer drv.Close()
			g := newGate(drv)
			defer g.open()
			tr.Attach(g)
			deadline := time.Now().Add(10 * time.Second)
			connectN1(t, tr, nil)
			target := router.ToEnsemble("e1").Through("n1")
			if res, err := drv.CallTimeout(context.Background(), target, []byte("put big "+strings.Repeat("v", 900<<10)), 5*time.Second); err != nil || string(res.Value) != "ok" {
				t.Fatalf("put: %.20q, %v", res.Value, err)
			}
			g.shut.Store(true)
			series := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tc.series) + ` ([0-9.e+]+)$`)
			for calls := 0; ; calls++ {
				if q := series.FindStringSubmatch(get(t, admin, "/metrics")); q == nil {
					t.Fatalf("/metrics lacks %s:\n%s", tc.series, metricsOf(admin))
				} else if q[1] != "0" {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d answers of 900KB wait for %s, and %s is 0:\n%s", calls, tc.id, tc.series, metricsOf(admin))
				}
				go func() { _, _ = drv.CallTimeout(context.Background(), target, []byte("get big"), 5*time.Second) }()
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestAdminAnswersAHello: a node or client that dials the admin address as if it were
// a cluster port learns at once that it reached an HTTP server: its dial fails with
// nettransport's hint well within the 3s it is given here, where the admin server
// would otherwise wait out its ReadHeaderTimeout (5s) before answering. The admin
// server still serves HTTP on the same address.
func TestAdminAnswersAHello(t *testing.T) {
	secret := []byte("long-enough-secret")
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	_, admin := startNode(t, secretFile, "")
	get(t, admin, "/healthz")
	tr, _ := newClient(t, admin, secret, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := tr.Connect(ctx, "n1")
	if want := "an HTTP response: the address is an HTTP server's (an admin port?)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("dialing the admin address: %v; want an error with %q", err, want)
	}
	if body := get(t, admin, "/healthz"); !strings.Contains(body, `"peers"`) {
		t.Fatalf("/healthz after the hello: %s", body)
	}
}

// TestReadyzBeforeDials: a node whose dial loops have not started yet (as just after
// start, or for good with every member down) counts the members of --peers, not the
// transport's slots: with two of three members unknown to its transport it is not
// ready, /healthz lists both as not connected, and /metrics has their series.
func TestReadyzBeforeDials(t *testing.T) {
	tr, drv := unconnected(t)
	n := &node{id: "n1", inc: 1, drv: drv, tr: tr, members: []router.NodeID{"n2", "n3"},
		config: newSettingsWatch(nil, nil, slog.New(slog.DiscardHandler))}
	rec := httptest.NewRecorder()
	n.readyz(rec, httptest.NewRequest("GET", "/readyz", nil))
	if body := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusServiceUnavailable || body != `{"ready":false,"connected":1,"members":3,"missing":["n2","n3"]}` {
		t.Errorf("/readyz before any dial: %d %s", rec.Code, body)
	}
	rec = httptest.NewRecorder()
	n.healthz(rec, httptest.NewRequest("GET", "/healthz", nil))
	var h health
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil || len(h.Peers) != 2 || h.Peers[0].ID != "n2" || h.Peers[1].ID != "n3" || h.Peers[0].Connected || h.Peers[1].Connected {
		t.Errorf("/healthz before any dial: %s, want n2 and n3, not connected", rec.Body.String())
	}
	want := `
# HELP ensroute_peer_connected 1 if the member of --peers is connected (0 once it said goodbye).
# TYPE ensroute_peer_connected gauge
ensroute_peer_connected{peer="n2"} 0
ensroute_peer_connected{peer="n3"} 0
`
	if err := testutil.CollectAndCompare(&metrics{drv: drv, tr: tr, members: n.members, config: n.config}, strings.NewReader(want), "ensroute_peer_connected"); err != nil {
		t.Error(err)
	}
}
