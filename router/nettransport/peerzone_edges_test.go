package nettransport_test

import (
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestPeersZonesKeepTheirCase: an IPv6 link-local address's zone names an interface,
// and interface names are case-sensitive (Linux has "eth0" and "ETH0" as two): two
// nodes reached over two interfaces whose names differ only in case are at two
// addresses, and Peers may list both. A host name's case does not count (DNS).
func TestPeersZonesKeepTheirCase(t *testing.T) {
	peers := map[router.NodeID]string{"n2": "[fe80::1%eth0]:7001", "n3": "[fe80::1%ETH0]:7001"}
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Incarnation: 1, Cluster: "test", Secret: secret, Peers: peers})
	if err != nil {
		t.Fatalf("New with Peers %v: %v; want it taken (two interfaces)", peers, err)
	}
	_ = tr.Close()
	peers = map[router.NodeID]string{"n2": "[FE80::1%eth0]:7001", "n3": "[fe80::1%eth0]:7001"}
	if tr, err := nettransport.New(nettransport.Config{ID: "n1", Incarnation: 1, Cluster: "test", Secret: secret, Peers: peers}); err == nil {
		_ = tr.Close()
		t.Fatalf("New with Peers %v taken; want them refused (one address)", peers)
	}
}
