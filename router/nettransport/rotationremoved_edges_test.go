package nettransport_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestRemovedSecretRefused: once SetCredentials (ensnode's SIGHUP) drops a secret from
// those accepted, a new handshake that proves it is refused for the secret, even from
// a node that would take this node's own proof: the third step of a rotation shuts
// out whoever still holds only the old secret. With KeepWithdrawn, the connection made
// with it before the change stays up (without, it is dropped: withdrawn_edges_test.go).
func TestRemovedSecretRefused(t *testing.T) {
	old, next := []byte("the-old-cluster-secret"), []byte("the-new-cluster-secret")
	n1 := startNode(t, "n1", true, func(c *nettransport.Config) { c.Secret, c.AcceptSecrets = next, [][]byte{old} })
	// n2 and n3 prove the old secret and take the new one from n1 (step 1).
	step1 := func(c *nettransport.Config) {
		peersOf("n1", n1.addr)(c)
		c.Secret, c.AcceptSecrets = old, [][]byte{next}
	}
	n2 := startNode(t, "n2", false, step1)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatalf("a node proving the accepted old secret: %v", err)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next, KeepWithdrawn: true}); err != nil {
		t.Fatal(err)
	}
	n3 := startNode(t, "n3", false, step1)
	var re *nettransport.RefusedError
	if err := connect(t, n3, "n1"); !errors.As(err, &re) || re.Code != nettransport.RefuseAuth {
		t.Fatalf("a node proving the removed secret: %v, want refused for the secret", err)
	}
	logged(t, n1, "refused connection", "peer=n3", "n3 did not prove the cluster secret")
	if !n2.tr.Connected("n1") {
		t.Fatal("the connection made with the old secret before the change went down")
	}
}
