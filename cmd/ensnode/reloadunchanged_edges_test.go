package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestReloadUnchangedDropsNothing: a SIGHUP that finds the secret and TLS files as
// they were (the CA bundle read again into a new pool) drops no connection: every
// node's reload line says dropped_withdrawn=0, /metrics counts no withdrawn
// connection and no disconnection, and the nodes stay connected.
func TestReloadUnchangedDropsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	now := time.Now()
	dir := filepath.Join(c.dir, "certs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca := testcerts.WriteValid(t, dir, now.Add(-time.Hour), now.Add(time.Hour), "n1", "n2", "n3")
	for _, p := range c.nodes {
		p.args = []string{"--tls-cert", filepath.Join(dir, p.id+".pem"), "--tls-key", filepath.Join(dir, p.id+".key"), "--tls-ca", ca}
	}
	c.startAll()
	for _, p := range c.nodes {
		c.healthy(p, "n1", "n2", "n3")
	}
	for round := 1; round <= 2; round++ {
		for _, p := range c.nodes {
			_ = p.cmd.Process.Signal(syscall.SIGHUP)
			c.eventually(fmt.Sprintf("%s's reload %d", p.id, round), func() (bool, string) {
				b, _ := os.ReadFile(p.log)
				return strings.Count(string(b), "SIGHUP: reloaded the secret and TLS files") >= round, string(b)
			})
		}
	}
	for _, p := range c.nodes {
		c.logged(p, "SIGHUP: reloaded", "dropped_withdrawn=0")
		b, _ := os.ReadFile(p.log)
		if strings.Contains(string(b), "dropped_withdrawn=1") || strings.Contains(string(b), "dropping connection") {
			t.Errorf("%s dropped a connection at a reload of unchanged files:\n%s", p.id, b)
		}
		for _, m := range []string{`ensroute_transport_total{what="withdrawn"}`, `ensroute_transport_total{what="disconnects"}`} {
			if got := metric(t, p, m); got != 0 {
				t.Errorf("%s: %s = %v, want 0", p.id, m, got)
			}
		}
		c.healthy(p, "n1", "n2", "n3")
	}
}
