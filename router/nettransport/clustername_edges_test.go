package nettransport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestWrongClusterNamesOwn: a node refused for its cluster name is told only "wrong
// cluster" (the node dialed refuses the hello before it states its own name), so the
// dialer's error names the name it gave, which is what its operator can check; it
// still matches ErrRefused and is a RefusedError with RefuseCluster.
func TestWrongClusterNamesOwn(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	bad := startNode(t, "n4", false, func(c *nettransport.Config) {
		peersOf("n1", acc.addr)(c)
		c.Cluster = "prod2"
	})
	err := connect(t, bad, "n1")
	var re *nettransport.RefusedError
	if !errors.Is(err, nettransport.ErrRefused) || !errors.As(err, &re) || re.Code != nettransport.RefuseCluster {
		t.Fatalf("connect: %v; want a refusal for the cluster name", err)
	}
	const want = `connect to n1: nettransport: connection refused: wrong cluster (this side's cluster name is "prod2"; the node dialed has another)`
	if err.Error() != want {
		t.Fatalf("connect: %q\nwant       %q", err, want)
	}
	logged(t, bad, "cannot connect", `this side's cluster name is \"prod2\"`)
	// Another refusal is left as it was.
	other := startNode(t, "n5", false, func(c *nettransport.Config) {
		peersOf("n1", acc.addr)(c)
		c.Secret = []byte("not-the-secret")
	})
	if err := connect(t, other, "n1"); err == nil || strings.Contains(err.Error(), "cluster name") {
		t.Fatalf("connect with another secret: %v; want a refusal that does not speak of the cluster name", err)
	}
}
