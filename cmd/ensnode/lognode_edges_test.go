package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// checkEveryLineNamesNode fails the test unless every line of logs carries node=n1,
// once: nodes whose logs are gathered in one place (a log collector, a shared
// terminal) are told apart by it, and a query for one node's errors must find the
// SIGHUP's error, the shutdown and a failed start as well as the transport's lines.
func checkEveryLineNamesNode(t *testing.T, logs string, want ...string) {
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if n := strings.Count(line, " node=n1"); n != 1 {
			t.Errorf("node=n1 %d times in %q, want once", n, line)
		}
	}
	for _, w := range want {
		if !strings.Contains(logs, w) {
			t.Errorf("no %q in the log:\n%s", w, logs)
		}
	}
}

// TestEveryLogLineNamesTheNode: ensnode's own lines (a reload, a client configured
// otherwise, the shutdown) name the node as the transport's and the driver's do.
func TestEveryLogLineNamesTheNode(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	addr := realcluster.FreeAddr()
	o, err := parse([]string{"--id", "n1", "--peers", "n1=" + addr, "--secret-file", secret, "--admin", "127.0.0.1:0", "--ensemble", "e1=n1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	n, err := start(o, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n.reload(n.log)
	_ = os.WriteFile(secret, []byte("short"), 0o600)
	n.reload(n.log)
	n.config.heard("ctl-x-1", 1, []byte("semantics=riak\n"))
	// A line of the transport's, which names the node itself: not twice.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	_, _ = c.Read(make([]byte, 1)) // until the node closes it, having refused it
	_ = c.Close()
	n.stop()
	checkEveryLineNamesNode(t, logs.String(), "msg=ready", "SIGHUP: reloaded", "SIGHUP: the credentials were not reloaded",
		"a client (not in --peers) is configured differently", `msg="refused connection"`)

	// run's own lines: the shutdown, and a start that fails.
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errb bytes.Buffer
	if code := run(ctx, []string{"--id", "n1", "--peers", "n1=" + addr, "--secret-file", secret, "--admin", ""}, io.Discard, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	checkEveryLineNamesNode(t, errb.String(), `msg="shutting down"`, "msg=stopped")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	errb.Reset()
	if code := run(context.Background(), []string{"--id", "n1", "--peers", "n1=" + addr, "--secret-file", secret, "--admin", ""}, io.Discard, &errb); code != 1 {
		t.Fatalf("a start on a port in use: exit %d, want 1: %s", code, errb.String())
	}
	checkEveryLineNamesNode(t, errb.String(), `msg="cannot start"`)
}
