package cluster_test

import (
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// TestPeersZonesKeepTheirCase: an IPv6 link-local address's zone names an interface,
// whose name's case counts (Linux may have "eth0" and "ETH0"): two members reached
// over two such interfaces are at two addresses, and --peers may list both. The
// address's hex digits and a host name's case do not count.
func TestPeersZonesKeepTheirCase(t *testing.T) {
	if _, err := resolveWith(t, "long-enough-secret", "--peers", "n1=[fe80::1%eth0]:7001,n2=[fe80::1%ETH0]:7001"); err != nil {
		t.Fatalf("--peers with one address over two interfaces: %v; want it taken", err)
	}
	for _, tc := range [][2]string{
		{"[fe80::1%eth0]:7001", "[fe80::1%ETH0]:7001"},
	} {
		if cluster.SameAddr(tc[0], tc[1]) {
			t.Errorf("SameAddr(%s, %s): true, want false (two interfaces)", tc[0], tc[1])
		}
	}
	for _, tc := range [][2]string{
		{"[FE80::1%eth0]:7001", "[fe80::1%eth0]:7001"},
		{"Node-A.example:7001", "node-a.example:7001"},
	} {
		if !cluster.SameAddr(tc[0], tc[1]) {
			t.Errorf("SameAddr(%s, %s): false, want true (one address)", tc[0], tc[1])
		}
	}
	if _, err := resolveWith(t, "long-enough-secret", "--peers", "n1=[FE80::1%eth0]:7001,n2=[fe80::1%eth0]:7001"); err == nil {
		t.Fatal("--peers with one address spelled twice taken; want it refused")
	}
}
