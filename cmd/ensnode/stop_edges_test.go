package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestCleanStopLogsNoError: a node told to stop, with its admin server up and nothing
// wrong, logs no error on its way out: the transport's and the admin server's ends
// are what the stop asked for, not failures.
func TestCleanStopLogsNoError(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	admin := realcluster.FreeAddr()
	var logs syncBuffer
	args := []string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--ensemble", "e1=n1",
		"--secret-file", secretFile, "--admin", admin}
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() { exited <- run(ctx, args, io.Discard, &logs) }()
	get(t, admin, "/healthz")
	stop()
	if code := <-exited; code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs.String())
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	for _, l := range lines {
		if strings.Contains(l, "level=ERROR") {
			t.Errorf("logged an error while stopping cleanly: %s", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "msg=stopped") {
		t.Errorf("the last line %q, want msg=stopped:\n%s", last, logs.String())
	}
}

// TestStopGivesQueuedRepliesFlushAndLinger: a node told to stop gives the replies
// waiting in its send queue to a node slow to read a second to be written (stop's
// flush), and then the connection's own close linger (nettransport.DefaultCloseLinger,
// a second): a client that reads again 1.5s after the stop began, past either bound
// alone, still gets every answer. The client calls for values of 256KB with its
// reader held up until some of n1's answers wait in n1's send queue
// (ensroute_clients_send_queue_bytes is not 0): those are what the flush waits for.
// n1 stops without its goodbye, whose wait for the client's acknowledgement (queued
// behind the answers) would write them out first: what is tested is stop's own flush.
//
// An answer waits there past what the buffers on its way take, whatever else runs,
// because one answer is larger than all of them: the client's reader is held up at a
// small answer, with its 64KB read buffer, and n1's send buffer stays under 100KB
// (smallBufferDialer's small segments; the kernel grows it with what the client
// reads, which is nothing until then). The queue alone does not show it: under load
// it is not 0 for as long as n1's writer waits to run. With 900KB answers and the
// small receive buffer alone, the kernel took the answers whole once the writer ran
// (it takes 2.8MB over loopback on Linux), the flush found nothing to wait for, the
// linger's second alone passed before the client read again, and the answers still
// in the kernel were lost: 19 of 30 runs failed so under -race beside a process that
// kept a CPU busy. Nor are the answers larger: the client has what is left of the
// linger, half a second, to read them all (under that load, three 900KB answers took
// it 0.58s).
func TestStopGivesQueuedRepliesFlushAndLinger(t *testing.T) {
	if nettransport.DefaultCloseLinger != time.Second {
		t.Fatalf("nettransport.DefaultCloseLinger %v: 1.5s is no longer past the linger alone and within the flush and the linger", nettransport.DefaultCloseLinger)
	}
	o, secret, addr, admin, logs := soloOptions(t)
	o.noGoodbye = true
	n1, err := start(o, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	var stopOnce sync.Once
	stop := func() { stopOnce.Do(func() { go func() { n1.stop(); close(stopped) }() }) }
	defer func() { stop(); <-stopped }()

	dialer := smallBufferDialer()
	var reader *gate
	tr, drv := newClient(t, addr, secret, func(ctx context.Context, a string) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", a) },
		func(drv *driver.Node) nettransport.Receiver {
			reader = newGate(drv)
			return reader
		})
	defer reader.open()
	deadline := time.Now().Add(10 * time.Second)
	connectN1(t, tr, logs)
	value := strings.Repeat("v", 256<<10)
	target := router.ToEnsemble("e1").Through("n1")
	if res, err := drv.CallTimeout(context.Background(), target, []byte("put big "+value), 5*time.Second); err != nil || string(res.Value) != "ok" {
		t.Fatalf("put: %.20q, %v", res.Value, err)
	}
	reader.shut.Store(true)
	errs := make(chan error, 64)
	call := func(event, want string) {
		go func() {
			res, err := drv.CallTimeout(context.Background(), target, []byte(event), 10*time.Second)
			if err == nil && string(res.Value) != want {
				err = fmt.Errorf("answer %.20q, want %.20q", res.Value, want)
			}
			errs <- err
		}()
	}
	// The reader is held up at a small answer, before any large one has come.
	call("get small", "missing")
	select {
	case <-reader.blocked:
	case err := <-errs:
		t.Fatalf("the first call ended before the client's reader held up its answer: %v", err)
	}
	calls := 1
	queued := regexp.MustCompile(`(?m)^ensroute_clients_send_queue_bytes ([0-9.e+]+)$`)
	for {
		if q := queued.FindStringSubmatch(get(t, admin, "/metrics")); q != nil && q[1] != "0" {
			break
		}
		if time.Now().After(deadline) || calls == cap(errs) {
			t.Fatalf("%d answers of %dKB wait for the client, and none in n1's send queue:\n%s", calls-1, len(value)>>10, metricsOf(admin))
		}
		calls++
		call("get big", "ok "+value)
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	time.AfterFunc(1500*time.Millisecond, reader.open)
	for range calls {
		if err := <-errs; err != nil {
			t.Fatalf("one of %d calls whose answers n1 had queued when it stopped, read 1.5s later: %v\n%s", calls, err, logs.String())
		}
	}
	<-stopped
}
