package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestRollingCARotation: a three-node cluster with mutual TLS moves from one CA to
// another by the README's procedure, SIGHUP alone, while ensctl bench calls e3 (led
// by n3) through n1 at 500 calls a second: (1) every node's --tls-ca becomes a bundle
// of the old CA and the new, (2) every node gets a certificate of the new CA, (3)
// every node's --tls-ca becomes the new CA alone. Each node logs each reload, with
// the certificate's issuer and the CAs it now trusts, and /metrics follows the new
// certificate's expiry. New connections work at every stage: n2 restarted after step
// 1 (old certificate, both CAs) and in the middle of step 2 (n1 and n2 with new
// certificates, n3 with its old one) connects to both others, and so after step 3,
// where a client with the new certificate and the new CA alone calls through every
// node (so each presents its new certificate) and one with the old certificate is
// refused. Steps 1 and 2 leave the connections up: no call of the bench fails. Step 3
// drops each connection whose other node showed a certificate of the old CA when it
// was made (n1's and n2's with n3, made before n3 took its new certificate), each
// node counting them in its reload line and on /metrics, and the nodes reconnect at
// once with their new certificates: a second bench, with the new client certificate,
// runs through step 3 and loses no call. Nor do two reloads of n1 that fail (an
// expired certificate, then a key that does not match it), each logged as an error
// saying why, n1 keeping the certificate it had.
func TestRollingCARotation(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	now := time.Now()
	oldDir, newDir := filepath.Join(c.dir, "old"), filepath.Join(c.dir, "new")
	for _, d := range []string{oldDir, newDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"n1", "n2", "n3", "ctl"}
	oldCA := testcerts.WriteValid(t, oldDir, now.Add(-time.Hour), now.Add(time.Hour), names...)
	newCA := testcerts.WriteValid(t, newDir, now.Add(-time.Hour), now.Add(2*time.Hour), names...)
	read := func(path string) []byte {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bundle := append(read(oldCA), read(newCA)...)
	// install writes a node's file as an operator should: a new file moved over the old.
	install := func(path string, content []byte) {
		t.Helper()
		if err := os.WriteFile(path+".new", content, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
	files := func(p *proc) (cert, key, ca string) {
		d := filepath.Join(c.dir, p.id)
		return filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem"), filepath.Join(d, "ca.pem")
	}
	for _, p := range c.nodes {
		if err := os.Mkdir(filepath.Join(c.dir, p.id), 0o700); err != nil {
			t.Fatal(err)
		}
		cert, key, ca := files(p)
		install(cert, read(filepath.Join(oldDir, p.id+".pem")))
		install(key, read(filepath.Join(oldDir, p.id+".key")))
		install(ca, read(oldCA))
		p.args = []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca}
	}
	c.startAll()

	// The client trusts both CAs. The first bench presents the old certificate, which
	// n1 took when it connected, and keeps its connection through steps 1 and 2; the
	// second, started after step 2, presents the new one, through step 3, which drops
	// the first's (its certificate of the old CA is no longer accepted).
	clientCA := filepath.Join(c.dir, "ctl-ca.pem")
	install(clientCA, bundle)
	type benchRun struct {
		cmd       *exec.Cmd
		out, errb bytes.Buffer
	}
	startBench := func(dir string) *benchRun {
		t.Helper()
		r := &benchRun{}
		r.cmd = exec.CommandContext(t.Context(), filepath.Join(c.bin, "ensctl"), "bench", "--peers", c.peers, "--secret-file", c.secret, "--json",
			"--tls-cert", filepath.Join(dir, "ctl.pem"), "--tls-key", filepath.Join(dir, "ctl.key"), "--tls-ca", clientCA,
			"--via", "n1", "--rate", "500", "--duration", "2m", "--timeout", "6s", "e3")
		r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errb
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if r.cmd.ProcessState == nil {
				_ = r.cmd.Wait() // the test's context, done, has ended it
			}
		})
		time.Sleep(500 * time.Millisecond)
		return r
	}
	// stopBench ends r and fails the test unless every call of it succeeded.
	stopBench := func(r *benchRun, what string) {
		t.Helper()
		if r.cmd.ProcessState != nil {
			t.Fatalf("the bench %s ended early: %s", what, r.errb.String())
		}
		_ = r.cmd.Process.Signal(syscall.SIGINT)
		_ = r.cmd.Wait()
		var b benchOut
		if err := json.Unmarshal(r.out.Bytes(), &b); err != nil {
			t.Fatalf("ensctl bench: %v: %q, %s", err, r.out.Bytes(), r.errb.String())
		}
		t.Logf("bench %s: calls %d, ok %d, errors %v", what, b.Calls, b.OK, b.Errors)
		if b.Calls < 100 || b.OK != b.Calls || len(b.Errors) != 0 {
			t.Fatalf("bench %s: calls %d, ok %d, errors %v; want every call ok\n%s", what, b.Calls, b.OK, b.Errors, r.errb.String())
		}
	}
	bench := startBench(oldDir)

	// reload sends p SIGHUP and waits for its reload's log line, with fragments.
	reloads := map[string]int{}
	reload := func(p *proc, fragments ...string) {
		t.Helper()
		reloads[p.id]++
		want := reloads[p.id]
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		c.eventually(fmt.Sprintf("%s's reload %d", p.id, want), func() (bool, string) {
			b, _ := os.ReadFile(p.log)
			n := strings.Count(string(b), "SIGHUP: reloaded the secret and TLS files")
			return n >= want, string(b)
		})
		c.logged(p, append([]string{"level=INFO", "SIGHUP: reloaded"}, fragments...)...)
		if b, _ := os.ReadFile(p.log); bytes.Contains(b, []byte("level=ERROR")) {
			t.Fatalf("%s logged an error:\n%s", p.id, b)
		}
	}
	restart := func(p *proc) {
		t.Helper()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("%s after SIGTERM: %v", p.id, err)
		}
		reloads[p.id] = 0 // a new log
		c.start(p)
		for _, q := range c.nodes {
			c.healthy(q, "n1", "n2", "n3")
		}
	}
	n2 := c.nodes[1]
	const expiry = `ensroute_tls_certificate_expiry_timestamp_seconds`

	// 1: the new CA beside the old.
	for _, p := range c.nodes {
		_, _, ca := files(p)
		install(ca, bundle)
		reload(p, `issuer="CN=test ca"`, `ca_subjects="CN=test ca; CN=test ca"`)
	}
	restart(n2)

	// 2: the certificates of the new CA, n2 restarted half way.
	for i, p := range c.nodes {
		cert, key, _ := files(p)
		install(key, read(filepath.Join(newDir, p.id+".key")))
		install(cert, read(filepath.Join(newDir, p.id+".pem")))
		reload(p, "not_after="+now.Add(2*time.Hour).UTC().Format("2006-01-02T15:04:05"))
		if got := metric(t, p, expiry); got != float64(now.Add(2*time.Hour).Unix()) {
			t.Fatalf("%s: %s %v after its reload, want %d", p.id, expiry, got, now.Add(2*time.Hour).Unix())
		}
		if i == 1 {
			restart(n2)
		}
	}

	stopBench(bench, "through steps 1 and 2 (old client certificate)")
	bench = startBench(newDir)

	// 3: the old CA removed. n1 and n2 drop their connections with n3, made with
	// n3's certificate of the old CA; n3, whose connections are all of new
	// certificates by its turn, drops none.
	withdrawn := `ensroute_transport_total{what="withdrawn"}`
	for i, p := range c.nodes {
		_, _, ca := files(p)
		install(ca, read(newCA))
		want := []int{1, 1, 0}[i]
		reload(p, `ca_subjects="CN=test ca"`, fmt.Sprintf("dropped_withdrawn=%d", want))
		if want > 0 {
			c.logged(p, "level=WARN", "dropping connection", "peer=n3", "n3's certificate, issued by CN=test ca, is not signed by a CA now trusted")
		}
		if got := metric(t, p, withdrawn); got != float64(want) {
			t.Fatalf("%s: %s %v after step 3, want %d", p.id, withdrawn, got, want)
		}
	}
	for _, p := range c.nodes {
		c.healthy(p, "n1", "n2", "n3")
	}
	restart(n2)
	for _, via := range []string{"n1", "n2", "n3"} {
		call := []string{"call", "--via", via, "--tls-cert", filepath.Join(newDir, "ctl.pem"), "--tls-key", filepath.Join(newDir, "ctl.key"),
			"--tls-ca", newCA, "e3", "get", "k"}
		if o := c.ctl(call...); o.exit != 0 || o.Code != "ok" {
			t.Fatalf("a call via %s with the new certificate and the new CA alone: %+v", via, o)
		}
	}
	old := []string{"call", "--via", "n1", "--tls-cert", filepath.Join(oldDir, "ctl.pem"), "--tls-key", filepath.Join(oldDir, "ctl.key"),
		"--tls-ca", clientCA, "e3", "get", "k"}
	if o := c.ctl(old...); o.exit != 1 {
		t.Fatalf("a call with the old certificate, once the old CA is removed: %+v", o)
	}

	// A reload that fails keeps what the node has: an expired certificate (of the
	// new CA, as an operator's mistake would be), and then a key of another certificate.
	expDir := filepath.Join(c.dir, "expired")
	if err := os.Mkdir(expDir, 0o700); err != nil {
		t.Fatal(err)
	}
	testcerts.WriteValid(t, expDir, now.Add(-3*time.Hour), now.Add(-2*time.Hour), "n1")
	n1 := c.nodes[0]
	cert, key, _ := files(n1)
	good, goodKey := read(cert), read(key)
	install(cert, read(filepath.Join(expDir, "n1.pem")))
	install(key, read(filepath.Join(expDir, "n1.key")))
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=ERROR", "SIGHUP: the credentials were not reloaded; the node goes on with those it had",
		`err="--tls-cert `+cert+` is valid from`, "the TLS certificate expired ", "ago: the other nodes will refuse it", "the certificate in use, valid until")
	install(cert, good)
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=ERROR", "SIGHUP: the credentials were not reloaded", "private key does not match public key")
	if got := metric(t, n1, expiry); got != float64(now.Add(2*time.Hour).Unix()) {
		t.Fatalf("n1: %s %v after failed reloads, want %d", expiry, got, now.Add(2*time.Hour).Unix())
	}
	install(key, goodKey)
	newCall := []string{"call", "--via", "n1", "--tls-cert", filepath.Join(newDir, "ctl.pem"), "--tls-key", filepath.Join(newDir, "ctl.key"),
		"--tls-ca", newCA, "e3", "get", "k"}
	if o := c.ctl(newCall...); o.exit != 0 || o.Code != "ok" {
		t.Fatalf("a call via n1 after its failed reloads: %+v", o)
	}

	stopBench(bench, "through step 3 (new client certificate)")
}
