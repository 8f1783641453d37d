package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// TestAdminClosesIdleConnections: the admin server closes a connection kept alive
// after a request once it has carried none for adminIdleTimeout (here 200ms), rather
// than hold it, and a file descriptor, for ever: 90 idle connections once took the
// last of a node's, which its cluster port needed to accept.
func TestAdminClosesIdleConnections(t *testing.T) {
	defer func(d time.Duration) { adminIdleTimeout = d }(adminIdleTimeout)
	adminIdleTimeout = 200 * time.Millisecond
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	_, admin := startNode(t, secretFile, "")
	get(t, admin, "/healthz")
	nc, err := net.Dial("tcp", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET /readyz HTTP/1.1\r\nHost: %s\r\n\r\n", admin)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("/readyz: %s, closing %t; want 200 on a connection kept alive", resp.Status, resp.Close)
	}
	start := time.Now()
	_ = nc.SetReadDeadline(start.Add(5 * time.Second))
	if n, err := br.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("reading the idle connection: %d bytes, %v after %v; want the server to close it after %v", n, err, time.Since(start), adminIdleTimeout)
	}
}

// TestAdminErrorsThroughTheLog: what net/http reports through the admin server's
// ErrorLog goes to the node's log, a JSON object with --log-format json, as a warning
// at most once per adminErrorQuiet (here 300ms) for errors alike, the others at debug.
// Ten failed Accepts, which differ only in the pause before the next ("retrying in
// 5ms" to "2.56s"), make one warning and nine debug lines; a panic is another error,
// warned of at once; the next failed Accept after the quiet time is a warning that
// counts the nine.
func TestAdminErrorsThroughTheLog(t *testing.T) {
	defer func(d time.Duration) { adminErrorQuiet = d }(adminErrorQuiet)
	adminErrorQuiet = 300 * time.Millisecond
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	var logs syncBuffer
	o, err := parse([]string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--secret-file", secretFile,
		"--admin", realcluster.FreeAddr(), "--log-format", "json", "--log-level", "debug"}, &logs)
	if err != nil {
		t.Fatal(err)
	}
	n1, err := start(o, o.logs.Logger(&logs))
	if err != nil {
		t.Fatal(err)
	}
	defer n1.stop()
	el := n1.admin.ErrorLog
	if el == nil {
		t.Fatal("the admin server has no ErrorLog: net/http's errors go to Go's standard logger, past the node's")
	}
	accept := func(pause time.Duration) {
		el.Printf("http: Accept error: accept tcp %s: accept4: too many open files; retrying in %v", o.admin, pause)
	}
	for i := range 10 {
		accept(5 * time.Millisecond << i)
	}
	el.Printf("http: panic serving 127.0.0.1:40312: boom\ngoroutine 7 [running]:\nnet/http.(*conn).serve.func1()")
	time.Sleep(adminErrorQuiet) // the quiet time passes
	accept(time.Second)

	type line struct {
		Level   string
		Msg     string
		Err     string
		Repeats *int
		Repeat  bool
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var ln line
		if err := json.Unmarshal([]byte(l), &ln); err != nil {
			t.Fatalf("not a JSON log line (%v): %s", err, l)
		}
		if ln.Msg == "admin server error" {
			got = append(got, ln)
		}
	}
	var summary []string
	for _, ln := range got {
		s := ln.Level
		switch {
		case strings.HasPrefix(ln.Err, "http: Accept error: accept tcp "+o.admin+": accept4: too many open files; retrying in "):
			s += " accept"
		case strings.HasPrefix(ln.Err, "http: panic serving 127.0.0.1:40312: boom\ngoroutine 7"):
			s += " panic"
		default:
			s += " " + ln.Err
		}
		if ln.Repeats != nil {
			s += fmt.Sprintf(" repeats=%d", *ln.Repeats)
		}
		if ln.Repeat {
			s += " repeat"
		}
		summary = append(summary, s)
	}
	want := []string{"WARN accept repeats=0"}
	for range 9 {
		want = append(want, "DEBUG accept repeat")
	}
	want = append(want, "WARN panic repeats=0", "WARN accept repeats=9")
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the admin server's errors logged as\n%s\nwant\n%s\nlog:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"), logs.String())
	}
}
