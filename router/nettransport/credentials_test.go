package nettransport_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestSetCredentialsSecret: a node's secret changes while it runs. n2 proves another
// secret than n1's and is refused; once n1 proves n2's secret and still accepts its
// old one, n2 connects. The connection n3 made with the old secret before the change
// stays up; a node that knows the old secret only can no longer connect (it does not
// take n1's new proof), which is why a cluster first accepts a new secret everywhere,
// then proves it. Credentials that are not valid are refused, and leave the ones in
// use as they were.
func TestSetCredentialsSecret(t *testing.T) {
	old, next := secret, []byte("the-next-cluster-secret")
	n1 := startNode(t, "n1", true, nil)
	n3 := startNode(t, "n3", false, peersOf("n1", n1.addr))
	if err := connect(t, n3, "n1"); err != nil {
		t.Fatal(err)
	}
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) { peersOf("n1", n1.addr)(c); c.Secret = next })
	if err := connect(t, n2, "n1"); !errors.Is(err, nettransport.ErrRefused) {
		t.Fatalf("n2 with another secret: %v, want refused", err)
	}

	for i, bad := range []nettransport.Credentials{
		{Secret: []byte("short")},
		{Secret: next, AcceptSecrets: [][]byte{[]byte("short")}},
		{Secret: next, ServerTLS: tlsConfigs(t, "n1").ServerTLS},
	} {
		if err := n1.tr.SetCredentials(bad); !errors.Is(err, nettransport.ErrBadConfig) {
			t.Errorf("bad credentials %d: %v, want ErrBadConfig", i, err)
		}
	}
	if got := n1.tr.Credentials(); string(got.Secret) != string(old) || len(got.AcceptSecrets) != 0 || got.ServerTLS != nil {
		t.Fatal("refused credentials changed the ones in use")
	}

	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
		t.Fatal(err)
	}
	if err := connectAfterChange(t, n2, "n1"); err != nil {
		t.Fatalf("n2 once n1 proves its secret: %v", err)
	}
	if !n3.tr.Connected("n1") {
		t.Fatal("n3's connection, made with the old secret, went down")
	}
	n3b := startNode(t, "n3b", false, peersOf("n1", n1.addr))
	if err := connect(t, n3b, "n1"); !errors.Is(err, nettransport.ErrHandshake) || errors.Is(err, nettransport.ErrRefused) {
		// n1 accepts the old secret, but proves the new one, which n3b does not know.
		t.Fatalf("a node with the old secret only, once n1 proves the new: %v, want its own refusal of n1's proof", err)
	}
}

// TestSetCredentialsTLS: a node's certificate and CA change while it runs. n2 has a
// certificate of another CA than n1's and cannot connect; once n1 takes a certificate
// of n2's CA (as a node does when its certificates are reissued), it does, and n1
// presents the new certificate.
func TestSetCredentialsTLS(t *testing.T) {
	first, second := tlsConfigs(t, "n1"), tlsConfigs(t, "n1", "n2")
	n1 := startNode(t, "n1", true, func(c *nettransport.Config) { c.ServerTLS, c.ClientTLS = first.ServerTLS, first.ClientTLS })
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", n1.addr)(c)
		n2tls := tlsConfigs(t, "n2") // a third CA, replaced below by second's
		c.ServerTLS, c.ClientTLS = n2tls.ServerTLS, n2tls.ClientTLS
	})
	if err := connect(t, n2, "n1"); err == nil {
		t.Fatal("n2 connected with a certificate of another CA")
	}
	was := n1.tr.Certificate()
	n2creds := *n2.tr.Credentials()
	n2creds.ServerTLS, n2creds.ClientTLS = second.peer.ServerTLS, second.peer.ClientTLS
	if err := n2.tr.SetCredentials(n2creds); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: secret, ServerTLS: second.ServerTLS, ClientTLS: second.ClientTLS}); err != nil {
		t.Fatal(err)
	}
	if err := connectAfterChange(t, n2, "n1"); err != nil {
		t.Fatalf("n2 once both have certificates of one CA: %v", err)
	}
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return len(n1.rec.messages()) == 1 }, n1.rec) {
		t.Fatal("nothing arrived over the new certificates")
	}
	if now := n1.tr.Certificate(); now == nil || was == nil || now.Equal(was) {
		t.Fatalf("n1 presents %v, want a certificate other than %v", now, was)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: secret}); !errors.Is(err, nettransport.ErrBadConfig) {
		t.Fatalf("turning TLS off: %v, want ErrBadConfig", err)
	}
}

// connectAfterChange connects from to node to, whose credentials just changed. The
// dial loop of from has been redialing: an attempt whose handshake began before the
// change ran it with the credentials of before, and may fail after it, so one failure
// more is allowed.
func connectAfterChange(t *testing.T, from *node, to router.NodeID) error {
	t.Helper()
	err := connect(t, from, to)
	if err != nil {
		err = connect(t, from, to)
	}
	return err
}

// certs are the TLS configurations of a node, and of a second one of the same CA.
type certs struct {
	nettransport.Credentials
	peer nettransport.Credentials
}

// tlsConfigs writes a new CA and certificates for names, and returns the TLS
// configurations of the first name (and of the second, if given).
func tlsConfigs(t *testing.T, names ...string) certs {
	t.Helper()
	dir := t.TempDir()
	ca := testcerts.Write(t, dir, names...)
	var out certs
	for i, name := range names {
		s, cl, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), ca)
		if err != nil {
			t.Fatal(err)
		}
		c := nettransport.Credentials{Secret: secret, ServerTLS: s, ClientTLS: cl}
		if i == 0 {
			out.Credentials = c
		} else {
			out.peer = c
		}
	}
	return out
}
