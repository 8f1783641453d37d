package nettransport_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestPeersShareAnAddressRefused: two ids at one address in Peers (a line copied in a
// config file and its id changed, not its port) is always a mistake: one address
// serves one node, so the dial to one of the two reaches the other, and its handshake
// refuses ("the node at this address is n2, want n3") at every redial, far from the
// cause. New refuses it, naming both ids and the address, however the address is
// spelled; with Dial set, addresses are compared as written.
func TestPeersShareAnAddressRefused(t *testing.T) {
	l := listen(t)
	defer l.Close()
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	dial := func(context.Context, string) (net.Conn, error) { return nil, errors.New("unused") }
	for _, tc := range []struct {
		name  string
		peers map[router.NodeID]string
		dial  bool
		want  string // "" for none
	}{
		{name: "same address", peers: map[router.NodeID]string{"n1": "127.0.0.1:1", "n2": addr, "n3": addr},
			want: "Peers: n2 and n3 share the address " + addr + " (one address serves one node)"},
		{name: "with the node itself", peers: map[router.NodeID]string{"n1": addr, "n2": addr},
			want: "Peers: n1 and n2 share the address " + addr},
		{name: "spelled otherwise", peers: map[router.NodeID]string{"n2": "localhost:" + port, "n3": "127.0.0.1:0" + port},
			want: "Peers: n2 and n3 share an address: localhost:" + port + " and 127.0.0.1:0" + port + " are one"},
		{name: "IPv4 as IPv6", peers: map[router.NodeID]string{"n2": "[::ffff:127.0.0.1]:" + port, "n3": addr},
			want: "Peers: n2 and n3 share an address"},
		{name: "host name case", peers: map[router.NodeID]string{"n2": "Node-B.example:7001", "n3": "node-b.example.:7001"},
			want: "Peers: n2 and n3 share an address"},
		{name: "other ports", peers: map[router.NodeID]string{"n2": "127.0.0.1:7001", "n3": "127.0.0.1:7002"}},
		{name: "other hosts", peers: map[router.NodeID]string{"n2": "10.0.0.1:7001", "n3": "10.0.0.2:7001"}},
		{name: "Dial: as written", dial: true, peers: map[router.NodeID]string{"n2": "pipe-a", "n3": "PIPE-A"}},
		{name: "Dial: same", dial: true, peers: map[router.NodeID]string{"n2": "pipe-a", "n3": "pipe-a"},
			want: "Peers: n2 and n3 share the address pipe-a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := nettransport.Config{ID: "n1", Incarnation: 1, Cluster: "test", Secret: secret, Peers: tc.peers}
			if tc.dial {
				cfg.Dial = dial
			}
			tr, err := nettransport.New(cfg)
			if err == nil {
				_ = tr.Close()
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v; want no error", err)
			case tc.want != "" && (!errors.Is(err, nettransport.ErrBadConfig) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New: %v\nwant ErrBadConfig holding %q", err, tc.want)
			}
		})
	}
}
