package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestSIGHUPReloadsSecret: a running node's secret changes at SIGHUP, which is how a
// cluster changes its secret without a restart. n1 runs with its own secret file and
// an --accept-secret-file, both holding the cluster's secret: ensctl proving a new
// secret is refused. The files are rewritten (n1 to prove the new secret and accept
// the old) and n1 gets SIGHUP: ensctl with the new secret connects, ensctl with the
// old one alone no longer does (n1 proves the new), and n1 stays connected to n2 and
// n3, which have the old. A secret file rewritten wrong (too short) at the next SIGHUP
// is logged as an error, and only as one, and n1 keeps the credentials it had.
func TestSIGHUPReloadsSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const oldSecret, newSecret = "the-cluster-secret", "the-new-cluster-secret"
	own, accept, next := filepath.Join(c.dir, "n1-secret"), filepath.Join(c.dir, "n1-accept"), filepath.Join(c.dir, "next")
	write(own, oldSecret)
	write(accept, oldSecret)
	write(next, newSecret)
	n1 := c.nodes[0]
	n1.secret, n1.args = own, []string{"--accept-secret-file", accept}
	c.startAll()
	withNew := []string{"call", "--via", "n1", "--secret-file", next, "--accept-secret-file", c.secret, "e1", "get", "k"}
	if o := c.ctl(withNew...); o.exit != 1 || !strings.Contains(o.stderr, "cannot reach --via") {
		t.Fatalf("ensctl with the new secret, before n1 takes it: %+v", o)
	}

	write(own, newSecret)
	write(accept, oldSecret)
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded", "accept_secrets=1")
	c.expect(c.ctl(withNew...), "", "e1/n1@n1")
	if o := c.ctl("call", "--via", "n1", "e1", "get", "k"); o.exit != 1 || !strings.Contains(o.stderr, "n1 did not prove the cluster secret") {
		t.Fatalf("ensctl with the old secret alone, once n1 proves the new: %+v", o)
	}
	c.healthy(n1, "n1", "n2", "n3")

	write(own, "short")
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=ERROR", "SIGHUP: the credentials were not reloaded", "err=\"--secret-file "+own+": the secret has 5 bytes")
	c.expect(c.ctl(withNew...), "", "e1/n1@n1")
	// The failed reload says only that it failed: the log says "reloaded" once, of the
	// first SIGHUP.
	if b, _ := os.ReadFile(n1.log); strings.Count(string(b), "SIGHUP: reloaded") != 1 {
		t.Fatalf("n1's log says \"SIGHUP: reloaded\" %d times, want once:\n%s", strings.Count(string(b), "SIGHUP: reloaded"), b)
	}
}

// TestSIGHUPReloadsCertificate: a running node takes a renewed certificate (here of a
// new CA too) at SIGHUP. Rewriting the files alone changes nothing: ensctl with the
// new CA refuses the certificate n1 still presents. After SIGHUP it calls through n1,
// and /metrics gives the new certificate's expiry.
func TestSIGHUPReloadsCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	dir := filepath.Join(c.dir, "tls")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := testcerts.WriteValid(t, dir, now.Add(-time.Hour), now.Add(time.Hour), "node")
	cert, key := filepath.Join(dir, "node.pem"), filepath.Join(dir, "node.key")
	tlsFlags := []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca}
	n1 := c.nodes[0]
	c.startAlone(n1, tlsFlags...)
	const expiry = `ensroute_tls_certificate_expiry_timestamp_seconds`
	if got := metric(t, n1, expiry); got != float64(now.Add(time.Hour).Unix()) {
		t.Fatalf("%s %v, want %d", expiry, got, now.Add(time.Hour).Unix())
	}
	call := append([]string{"call", "--via", "n1"}, append(tlsFlags, "e2", "get", "k")...)

	testcerts.WriteValid(t, dir, now.Add(-time.Hour), now.Add(5*time.Hour), "node") // the same files
	if o := c.ctl(call...); o.exit != 1 || !strings.Contains(o.stderr, "certificate") {
		t.Fatalf("ensctl with the new CA, before n1 reloads: %+v", o)
	}
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded", "tls_cert="+cert)
	c.expect(c.ctl(call...), "", "e2/n1@n1")
	if got := metric(t, n1, expiry); got != float64(now.Add(5*time.Hour).Unix()) {
		t.Fatalf("%s %v after SIGHUP, want %d", expiry, got, now.Add(5*time.Hour).Unix())
	}
}
