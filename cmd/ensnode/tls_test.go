package main

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestTLSMismatchNamed runs a node with TLS and one without as processes, and ensctl
// against each with the other setting: each run fails (exit 1) with a message that
// names TLS as the likely cause and the flags to change, not a bare EOF; the plain
// node logs that it was sent a TLS handshake. ensctl without the private CA, or with a
// certificate another CA signed, is told which. ensctl with
// the node's TLS flags gets its answer, so the node really runs TLS.
func TestTLSMismatchNamed(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	cert, key, ca := writeCert(t, c.dir)
	tlsFlags := []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca}
	// A certificate of another CA, for 127.0.0.1 too.
	otherDir := filepath.Join(c.dir, "other")
	if err := os.Mkdir(otherDir, 0o700); err != nil {
		t.Fatal(err)
	}
	otherCert, otherKey, _ := writeCert(t, otherDir)
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.args = tlsFlags
	c.start(n1)
	c.start(n2)
	c.healthy(n1, "n1")
	c.healthy(n2, "n2")

	c.expect(c.ctl(append([]string{"call", "--via", "n1"}, append(tlsFlags, "e1", "get", "k")...)...), "missing", "e1/n1@n1")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{name: "plain ensctl, TLS node", args: []string{"call", "--via", "n1", "e1", "get", "k"},
			want: []string{"cannot reach --via n1", "does it use TLS? This side does not", "give ensctl the same flags"}},
		{name: "TLS ensctl, plain node", args: append([]string{"call", "--via", "n2"}, append(tlsFlags, "e2", "get", "k")...),
			want: []string{"cannot reach --via n2", "does it run without TLS? This side uses TLS", "run ensctl without the TLS flags too"}},
		{name: "no --tls-ca, private CA", args: []string{"call", "--via", "n1", "--tls-cert", cert, "--tls-key", key, "e1", "get", "k"},
			want: []string{"cannot reach --via n1", "certificate signed by unknown authority", "give ensctl --tls-ca with the CA"}},
		{name: "ensctl's certificate of another CA", args: []string{"call", "--via", "n1", "--tls-cert", otherCert, "--tls-key", otherKey, "--tls-ca", ca, "e1", "get", "k"},
			want: []string{"cannot reach --via n1", "the node refused ensctl's certificate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := c.ctl(tc.args...)
			t.Logf("stderr: %s", o.stderr)
			for _, w := range tc.want {
				if o.exit != 1 || !strings.Contains(o.stderr, w) {
					t.Fatalf("exit %d, stderr %q; want exit 1 and %q", o.exit, o.stderr, w)
				}
			}
		})
	}
	// The plain node says what it was sent.
	c.logged(n2, "refused connection", "a TLS handshake: the other side uses TLS, and this one does not")
	// The TLS node exports when its certificate expires (an hour from now, as
	// testcerts writes them); the plain node has no such metric.
	if m := metricsOf(n1.adminAddr()); !regexp.MustCompile(`(?m)^ensroute_tls_certificate_expiry_timestamp_seconds [0-9.e+]+$`).MatchString(m) {
		t.Errorf("n1's /metrics lacks the certificate's expiry:\n%s", m)
	}
	if m := metricsOf(n2.adminAddr()); strings.Contains(m, "ensroute_tls_certificate_expiry") {
		t.Errorf("the plain node exports a certificate's expiry")
	}
}

// TestExpiredCertificateWarned: a node started with an expired certificate starts
// (its own clock may be wrong) but warns that the other nodes will refuse it.
func TestExpiredCertificateWarned(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	ca := testcerts.WriteValid(t, c.dir, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), "node")
	n1 := c.nodes[0]
	n1.args = []string{"--tls-cert", filepath.Join(c.dir, "node.pem"), "--tls-key", filepath.Join(c.dir, "node.key"), "--tls-ca", ca}
	c.start(n1)
	c.logged(n1, "level=WARN", "the TLS certificate expired 1h0m", "the other nodes will refuse it")
}

// writeCert writes a CA and a certificate signed by it for 127.0.0.1, good for
// servers and clients alike, as PEM files in dir: the certificate, its key and the CA.
func writeCert(t *testing.T, dir string) (cert, key, ca string) {
	ca = testcerts.Write(t, dir, "node")
	return filepath.Join(dir, "node.pem"), filepath.Join(dir, "node.key"), ca
}

// TestAcceptSecretFile: the steps of changing a cluster's secret. A node at the first
// step (its own secret, and --accept-secret-file the new one) takes a client that
// proves the old secret and one at the second step (proving the new, accepting the
// old), and refuses any other secret; a client at the last step (the new secret
// alone) refuses it in turn, since it proves the old one.
func TestAcceptSecretFile(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	newSecret := filepath.Join(c.dir, "new-secret")
	if err := os.WriteFile(newSecret, []byte("the-new-cluster-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n1 := c.nodes[0]
	n1.args = []string{"--accept-secret-file", newSecret}
	c.start(n1)
	c.healthy(n1, "n1")
	c.expect(c.ctl("call", "--via", "n1", "e1", "get", "k"), "", "e1/n1@n1")
	c.expect(c.ctl("call", "--via", "n1", "--secret-file", newSecret, "--accept-secret-file", c.secret, "e1", "get", "k"), "", "e1/n1@n1")
	if o := c.ctl("call", "--via", "n1", "--secret-file", c.badSecret, "e1", "get", "k"); o.exit != 1 || !strings.Contains(o.stderr, "cannot reach --via") {
		t.Fatalf("ensctl with a secret n1 does not accept: %+v", o)
	}
	if o := c.ctl("call", "--via", "n1", "--secret-file", newSecret, "e1", "get", "k"); o.exit != 1 || !strings.Contains(o.stderr, "n1 did not prove the cluster secret") {
		t.Fatalf("ensctl with the new secret alone: %+v", o)
	}
}

// TestCertificateWithoutOwnHostWarned: a node whose certificate does not name the
// host of its own address in --peers starts, but warns at once, naming the
// certificate, the host and the names it has: the other nodes, which dial that host,
// would refuse it only when they dial. One whose certificate names it does not warn.
func TestCertificateWithoutOwnHostWarned(t *testing.T) {
	dir := t.TempDir()
	cert, key, ca := writeCert(t, dir) // for 127.0.0.1
	secretFile := filepath.Join(dir, "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	_, port, _ := net.SplitHostPort(realcluster.FreeAddr())
	for _, tc := range []struct {
		name, host string
		warn       bool
	}{
		{name: "another host", host: "127.0.0.2", warn: true},
		{name: "its host", host: "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			o, err := parse([]string{"--id", "n1", "--peers", "n1=" + net.JoinHostPort(tc.host, port), "--listen", realcluster.FreeAddr(),
				"--admin", "", "--secret-file", secretFile, "--tls-cert", cert, "--tls-key", key, "--tls-ca", ca}, &logs)
			if err != nil {
				t.Fatal(err)
			}
			n1, err := start(o, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			n1.stop()
			want := `level=WARN msg="the TLS certificate does not name 127.0.0.2, this node's host in --peers, which the other nodes dial and check the certificate against: they will refuse it`
			if got := strings.Contains(logs.String(), "does not name"); got != tc.warn {
				t.Fatalf("warned %v, want %v:\n%s", got, tc.warn, logs.String())
			}
			if tc.warn && (!strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "tls_cert="+cert+" host=127.0.0.2 cert_names=127.0.0.1")) {
				t.Fatalf("log lacks %q with the certificate, host and names:\n%s", want, logs.String())
			}
		})
	}
}
