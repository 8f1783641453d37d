package nettransport_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestExpiredCertificateHinted: a dial that fails on an expired certificate says
// whose it is and what to do, as one that fails on a certificate of another CA does:
// the peer's (crypto/tls's x509 error), or this node's, refused by the peer (its
// "expired certificate" alert, which names no side).
func TestExpiredCertificateHinted(t *testing.T) {
	good, expired := t.TempDir(), t.TempDir()
	// One CA for both sets: WriteValid writes its own CA in each directory, so the
	// expired set is signed by a CA the good set's nodes also trust (the bundle).
	caGood := testcerts.Write(t, good, "n1", "n2")
	caExpired := testcerts.WriteValid(t, expired, time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour), "n1", "n2")
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	writeBundle(t, bundle, caGood, caExpired)
	tlsOf := func(dir, name string) func(*nettransport.Config) {
		return func(c *nettransport.Config) {
			s, cl, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), bundle)
			if err != nil {
				t.Fatal(err)
			}
			c.ServerTLS, c.ClientTLS = s, cl
		}
	}
	for _, tc := range []struct {
		name           string
		server, client string // directories of n1's and n2's certificates
		want           []string
	}{
		{name: "the peer's certificate expired", server: expired, client: good,
			want: []string{"certificate has expired", `hint="the peer's certificate has expired or is not valid yet`}},
		{name: "this node's certificate expired", server: good, client: expired,
			want: []string{"expired certificate", `hint="the peer refused this node's certificate as expired or not valid yet`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n1 := startNode(t, "n1", true, tlsOf(tc.server, "n1"))
			n2 := startNode(t, "n2", false, func(c *nettransport.Config) { tlsOf(tc.client, "n2")(c); peersOf("n1", n1.addr)(c) })
			if err := connect(t, n2, "n1"); err == nil {
				t.Fatal("connected")
			}
			logged(t, n2, append([]string{"cannot connect", "peer=n1"}, tc.want...)...)
		})
	}
}

func writeBundle(t *testing.T, path string, files ...string) {
	t.Helper()
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if err := os.WriteFile(path, all, 0o600); err != nil {
		t.Fatal(err)
	}
}
