package nettransport_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestConfigValidate: a config that would make a node no other node lets in, or that
// breaks a limit of the protocol, is refused by New with ErrBadConfig and an error
// naming the field and the problem.
func TestConfigValidate(t *testing.T) {
	long := strings.Repeat("x", nettransport.MaxName+1)
	for _, tc := range []struct {
		name string
		edit func(*nettransport.Config)
		want string
	}{
		{name: "id not UTF-8", edit: func(c *nettransport.Config) { c.ID = "n\xff" },
			want: `ID "n\xff" is not valid UTF-8`},
		{name: "peer id not UTF-8", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{"n2": "h:1", "n\xfe": "h:2"} },
			want: `Peers has an id that is not valid UTF-8 ("n\xfe")`},
		{name: "id too long", edit: func(c *nettransport.Config) { c.ID = router.NodeID(long) },
			want: "ID has 1025 bytes, the longest name is 1024"},
		{name: "cluster too long", edit: func(c *nettransport.Config) { c.Cluster = long },
			want: "Cluster has 1025 bytes, the longest name is 1024"},
		{name: "peer id too long", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{router.NodeID(long): "h:1"} },
			want: "Peers has an id of 1025 bytes"},
		{name: "empty peer address", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{"n2": ""} },
			want: `Peers has an empty id or address ("n2"="")`},
		{name: "address without a port", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{"n2": "nonsense"} },
			want: `Peers: n2's address "nonsense" is not host:port`},
		{name: "address with an empty port", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{"n2": "h:"} },
			want: `Peers: n2's address "h:" is not host:port`},
		// Each against the other's default: a connection dropped between heartbeats,
		// or a redial that waits longer first than at most.
		{name: "heartbeat timeout below the default interval", edit: func(c *nettransport.Config) { c.HeartbeatTimeout = 400 * time.Millisecond },
			want: "HeartbeatTimeout 400ms is not above HeartbeatInterval 500ms (the default)"},
		{name: "heartbeat timeout below the interval", edit: func(c *nettransport.Config) {
			c.HeartbeatTimeout, c.HeartbeatInterval = 400*time.Millisecond, 400*time.Millisecond
		}, want: "HeartbeatTimeout 400ms is not above HeartbeatInterval 400ms"},
		{name: "read buffer too large", edit: func(c *nettransport.Config) { c.ReadBuffer = 1 << 50 },
			want: "ReadBuffer 1125899906842624 is not in 0..67108864 (0: the default, 65536)"},
		{name: "heartbeat interval too short", edit: func(c *nettransport.Config) { c.HeartbeatInterval = time.Nanosecond },
			want: "HeartbeatInterval 1ns is below 1ms: an idle connection pings every interval"},
		// Doubled for the default timeout, an interval past half the longest duration
		// overflowed, and the timeout was 3s: every connection closed between pings.
		{name: "heartbeat interval too long", edit: func(c *nettransport.Config) { c.HeartbeatInterval = 2000000 * time.Hour },
			want: "HeartbeatInterval 2000000h0m0s is above 24h0m0s"},
		{name: "backoff max too long", edit: func(c *nettransport.Config) { c.BackoffMax = 2 * time.Hour },
			want: "BackoffMax 2h0m0s is above 1h0m0s"},
		{name: "backoff min too long", edit: func(c *nettransport.Config) { c.BackoffMin = 1 << 62 },
			want: "BackoffMin 1281023h53m38.427387904s is above 1h0m0s"},
		{name: "backoff max below the default min", edit: func(c *nettransport.Config) { c.BackoffMax = 10 * time.Millisecond },
			want: "BackoffMax 10ms is below BackoffMin 50ms (the default)"},
		{name: "backoff max below the min", edit: func(c *nettransport.Config) { c.BackoffMin, c.BackoffMax = time.Second, 100*time.Millisecond },
			want: "BackoffMax 100ms is below BackoffMin 1s"},
		{name: "goodbye limit below the default timeout", edit: func(c *nettransport.Config) { c.GoodbyeLimit = 500 * time.Millisecond },
			want: "GoodbyeLimit 500ms is below GoodbyeTimeout 1s (the default)"},
		{name: "goodbye limit below the timeout", edit: func(c *nettransport.Config) { c.GoodbyeTimeout, c.GoodbyeLimit = 3*time.Second, 2*time.Second },
			want: "GoodbyeLimit 2s is below GoodbyeTimeout 3s"},
		// Every node refused its handshakes ("protocol error"), though Validate took it.
		{name: "incarnation past the handshake's", edit: func(c *nettransport.Config) { c.Incarnation = nettransport.MaxIncarnation + 1 },
			want: "Incarnation 9223372036854775809 is past 9223372036854775808, the largest a handshake carries"},
		{name: "a secret of 7 bytes", edit: func(c *nettransport.Config) { c.Secret = []byte("1234567") },
			want: "Secret has 7 bytes, want at least 8"},
		// Each named: a config with several set and one of them wrong says which.
		{name: "a negative handshake timeout", edit: func(c *nettransport.Config) { c.HandshakeTimeout = -time.Second },
			want: "HandshakeTimeout -1s is negative"},
		{name: "a negative goodbye limit", edit: func(c *nettransport.Config) { c.GoodbyeTimeout, c.GoodbyeLimit = time.Second, -time.Millisecond },
			want: "GoodbyeLimit -1ms is negative"},
		{name: "a frame limit past a header's length", edit: func(c *nettransport.Config) { c.MaxFrame = 1 << 40 },
			want: "MaxFrame 1099511627776 is not in 4096..4294967295"},
		{name: "a frame limit below the least", edit: func(c *nettransport.Config) { c.MaxFrame = 100 },
			want: "MaxFrame 100 is not in 4096..4294967295"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := nettransport.Config{ID: "n1", Cluster: "test", Secret: secret}
			tc.edit(&cfg)
			_, err := nettransport.New(cfg)
			if !errors.Is(err, nettransport.ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v; want ErrBadConfig and %q", err, tc.want)
			}
		})
	}
	// Any valid UTF-8 will do, beyond ASCII too.
	tr, err := nettransport.New(nettransport.Config{ID: "nœud-1", Cluster: "test", Secret: secret,
		Peers: map[router.NodeID]string{"nœud-2": "h:1"}})
	if err != nil {
		t.Fatalf("UTF-8 ids: %v", err)
	}
	_ = tr.Close()
	// One map of the whole cluster will do: the node's own entry is skipped (it would
	// never connect), and the caller's map is left as it was.
	cluster := map[router.NodeID]string{"n1": "h:1", "n2": "h:2"}
	tr, err = nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: secret, Peers: cluster})
	if err != nil {
		t.Fatalf("peers with the node itself: %v", err)
	}
	tr.Attach(discard{})
	for _, to := range []router.NodeID{"n1", "n2"} { // a node is listed once sent to
		if err := tr.Send(to, &router.Message{Kind: router.KindGossip}); err == nil {
			t.Fatalf("send to %s succeeded with nothing to dial", to)
		}
	}
	var ids []router.NodeID
	for _, p := range tr.Peers() {
		ids = append(ids, p.ID)
	}
	_ = tr.Close()
	if len(ids) != 1 || ids[0] != "n2" || len(cluster) != 2 {
		t.Fatalf("peers listed %v (want [n2]), the caller's map now %v", ids, cluster)
	}
	// With a Dial of its own, an address is whatever that Dial takes.
	tr, err = nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: secret,
		Peers: map[router.NodeID]string{"n2": "pipe-to-n2"}, Dial: func(context.Context, string) (net.Conn, error) { return nil, errors.New("no") }})
	if err != nil {
		t.Fatalf("an address of Dial's own: %v", err)
	}
	_ = tr.Close()
}

// discard is a Receiver that drops what it is handed.
type discard struct{}

func (discard) Receive(router.Message) {}

// TestZeroIncarnationFromClock: a Config without an Incarnation takes one from the
// clock, so that a program that restarts gets a larger one each time; Identity says
// what the transport states; a set Incarnation is kept.
func TestZeroIncarnationFromClock(t *testing.T) {
	before := time.Now().UnixNano()
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "c", Secret: []byte("12345678")})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	id, inc := tr.Identity()
	if id != "n1" || int64(inc) < before || int64(inc) > time.Now().UnixNano() {
		t.Fatalf("Identity: %s, %d; want n1 and the time of New (%d or later)", id, inc, before)
	}
	tr2, err := nettransport.New(nettransport.Config{ID: "n1", Incarnation: 5, Cluster: "c", Secret: []byte("12345678")})
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	if _, inc := tr2.Identity(); inc != 5 {
		t.Fatalf("Incarnation 5 became %d", inc)
	}
}

// TestConfigCopied: New keeps its own copies of the config's map and secrets, so that
// the caller may change or reuse its own after: a changed secret was proved, and a
// Peers map changed while the transport reads it was a data race (the race detector,
// as CI runs this package, catches it here).
func TestConfigCopied(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	peers := map[router.NodeID]string{"n1": acc.addr}
	secret := []byte(string(secret))
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) { c.Peers, c.Secret = peers, secret })
	copy(secret, "XXXXXXXX")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			peers["n3"] = "127.0.0.1:1"
			delete(peers, "n3")
		}
	}()
	for range 100 {
		_ = n2.tr.Send("n3", &router.Message{Kind: router.KindCast, Ensemble: "e1"}) // reads Peers
	}
	<-done
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatalf("connect after the caller changed its Peers and Secret: %v", err)
	}
}
