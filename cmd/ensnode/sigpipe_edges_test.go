package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// TestLogPipeClosedNodeRuns: a node whose stderr is a pipe whose reader has gone (a
// log shipper that restarted, a "| tee" that ended) loses its log lines but runs on:
// it answers /healthz after lines it could not write (two SIGHUPs' reloads), and
// stops gracefully at SIGTERM, exit 0. It used to die of SIGPIPE at the first line,
// without a goodbye and without a word.
func TestLogPipeClosedNodeRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ensnode")
	}
	dir := t.TempDir()
	bins, err := realcluster.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	admin := realcluster.FreeAddr()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Ended when the test ends, if it has not by then (CommandContext's Cancel).
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bins.Ensnode, "--id", "n1", "--peers", "n1="+realcluster.FreeAddr(), "--secret-file", secret, "--admin", admin)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	t.Cleanup(func() {
		cancel()
		if cmd.ProcessState == nil {
			_ = cmd.Wait()
		}
	})
	// The first line, then the reader goes.
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.Contains(line, "msg=ready") {
		t.Fatalf("first line %q, %v; want the ready line", line, err)
	}
	_ = r.Close()
	for range 2 {
		_ = cmd.Process.Signal(syscall.SIGHUP) // each reload logs a line
		time.Sleep(200 * time.Millisecond)
	}
	resp, err := http.Get("http://" + admin + "/healthz")
	if err != nil {
		t.Fatalf("after log lines into a closed pipe, /healthz: %v (%v)", err, cmd.ProcessState)
	}
	_ = resp.Body.Close()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15s after SIGTERM")
	}
}
