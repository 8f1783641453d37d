package main

import (
	"bufio"
	"context"
	"errors"
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
// it answers /healthz after a line it could not write (a SIGHUP's reload), and stops
// gracefully at SIGTERM, exit 0. It used to die of SIGPIPE at the first line, without
// a goodbye and without a word.
//
// That the line was written before /healthz is asked is proven, not slept for: a
// reload logs its outcome and only then reads the --config file again
// (node.reload's deferred checkConfig), and here that file has become a FIFO, whose
// open for writing without blocking succeeds only once the node has opened it for
// reading. So once the test can open it, the node has written the reload's line into
// the closed pipe, and lived.
func TestLogPipeClosedNodeRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ensnode")
	}
	dir := t.TempDir()
	buildPrograms(t, dir)
	secret, config := filepath.Join(dir, "secret"), filepath.Join(dir, "cluster.json")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	shape := []byte(`{"peers": {"n1": "` + realcluster.FreeAddr() + `"}}`)
	if err := os.WriteFile(config, shape, 0o600); err != nil {
		t.Fatal(err)
	}
	admin := realcluster.FreeAddr()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Ended when the test ends, if it has not by then (CommandContext's Cancel).
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "ensnode"), "--id", "n1", "--config", config, "--secret-file", secret, "--admin", admin)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	var exit error
	exited := make(chan struct{})
	go func() { exit = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	// The first line, then the reader goes.
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.Contains(line, "msg=ready") {
		t.Fatalf("first line %q, %v; want the ready line", line, err)
	}
	_ = r.Close()
	// The node read --config at its start; from now on the file is a FIFO that
	// nobody writes until the node opens it.
	if err := os.Remove(config); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(config, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGHUP) // the reload logs a line, then reads config
	var fifo *os.File
	for deadline := time.Now().Add(30 * time.Second); fifo == nil; {
		f, err := os.OpenFile(config, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		switch {
		case err == nil:
			fifo = f
			continue
		case !errors.Is(err, syscall.ENXIO): // ENXIO: nobody has it open for reading
			t.Fatal(err)
		case time.Now().After(deadline):
			t.Fatal("30s after SIGHUP, the node has not read --config: its reload did not get past its log line")
		}
		select {
		case <-exited:
			t.Fatalf("the node ended at its reload's log line, written into the closed pipe: %v", exit)
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The reload's line is written: the node reads the file as it was, and runs on.
	_, err = fifo.Write(shape)
	_ = fifo.Close()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + admin + "/healthz")
	if err != nil {
		t.Fatalf("after a log line into a closed pipe, /healthz: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after a log line into a closed pipe, /healthz: %s", resp.Status)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		if exit != nil {
			t.Fatalf("after SIGTERM: %v, want exit 0", exit)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15s after SIGTERM")
	}
}
