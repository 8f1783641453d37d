package realcluster

import (
	"net"
	"strconv"
	"testing"
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
