package main

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestRecoversFromFileLimit: a node out of file descriptors fails to accept
// connections; once they are freed it accepts again by itself, and a client gets
// through, rather than find the port listening with nobody accepting until a restart.
// The node runs with a limit of 24 open files, and idle connections use them up.
func TestRecoversFromFileLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs them")
	}
	c := newTestCluster(t)
	n2 := c.nodes[1]
	n2.fileLimit = 24
	c.startAlone(n2)
	addr := "127.0.0.1:" + strconv.Itoa(n2.port)
	failed := regexp.MustCompile(`accept failed; retrying until it succeeds.*too many open files`)
	exhaustFiles(t, addr, n2.log, func(log []byte) bool { return failed.Match(log) })
	// The node frees the descriptors of the connections it took as their handshakes
	// fail, and accepts again: a call through it is answered.
	c.eventually("a call through n2 answered", func() (bool, string) {
		o := c.ctl("call", "--via", "n2", "--timeout", "2s", "--connect-timeout", "2s", "e2", "put", "k", "v")
		return o.exit == 0 && o.Code == "ok", o.stderr
	})
	c.logged(n2, "accepting again")
	c.eventually("accept_errors counted", func() (bool, string) {
		m := get(t, n2.adminAddr(), "/metrics")
		v := regexp.MustCompile(`ensroute_transport_total\{what="accept_errors"\} (\d+)`).FindStringSubmatch(m)
		return v != nil && v[1] != "0", m
	})
}

// exhaustFiles opens idle connections to addr, a node's listener, until the node's log
// (the file at log) shows what enough shows, or fails the test after 10s; then it
// closes them. The node, run with a low limit of open files, cannot accept while they
// are open (the kernel queues what it does not accept, up to 60 here).
func exhaustFiles(t *testing.T, addr, log string, enough func(log []byte) bool) {
	t.Helper()
	var idle []net.Conn
	defer func() {
		for _, nc := range idle {
			nc.Close()
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(log)
		if enough(b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not what was waited for after %d idle connections to %s:\n%s", len(idle), addr, b)
		}
		if len(idle) < 60 {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			idle = append(idle, nc)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
}
