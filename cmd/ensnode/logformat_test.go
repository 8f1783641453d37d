package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestJSONLogs: with --log-format json every line a node writes, from its start to its
// graceful stop, is one JSON object, for a log collector to read as it is.
func TestJSONLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	c.startAlone(n1, "--log-format", "json")
	_ = n1.cmd.Process.Signal(syscall.SIGTERM)
	if err := n1.cmd.Wait(); err != nil {
		t.Fatalf("n1 after SIGTERM: %v", err)
	}
	f, err := os.Open(n1.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Time, Level, Msg, Node string
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Time == "" || line.Level == "" || line.Msg == "" {
			t.Fatalf("not a JSON log line (%v): %s", err, sc.Bytes())
		}
		msgs = append(msgs, line.Msg)
	}
	if len(msgs) < 2 || msgs[0] != "ready" || msgs[len(msgs)-1] != "stopped" {
		t.Fatalf("messages %q, want from ready to stopped", msgs)
	}
}

// TestAdminAcceptErrorsInJSONLog: a node out of file descriptors, whose admin server's
// Accept fails and is retried many times a second, logs it through its own log, one
// JSON object a line with --log-format json, and warns once, the retries at debug:
// net/http's own lines ("2006/01/02 15:04:05 http: Accept error: ...; retrying in
// 5ms"), plain text, one for each, broke the format. The node runs with a limit of 24
// open files, and idle connections to its admin address use them up; once they close,
// the admin server answers again.
func TestAdminAcceptErrorsInJSONLog(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs them")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	n1.fileLimit = 24
	c.startAlone(n1, "--log-format", "json", "--log-level", "debug")
	// At least three failed Accepts: the first, warned of, and two retries.
	exhaustFiles(t, n1.adminAddr(), n1.log, func(log []byte) bool {
		return bytes.Count(log, []byte("too many open files; retrying in")) >= 3
	})
	get(t, n1.adminAddr(), "/healthz")
	_ = n1.cmd.Process.Signal(syscall.SIGTERM)
	if err := n1.cmd.Wait(); err != nil {
		t.Fatalf("n1 after SIGTERM: %v", err)
	}
	f, err := os.Open(n1.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	levels := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Time, Level, Msg, Err string
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Time == "" || line.Level == "" || line.Msg == "" {
			t.Fatalf("not a JSON log line (%v): %s", err, sc.Bytes())
		}
		if strings.Contains(line.Err, "http: Accept error") {
			if line.Msg != "admin server error" || !strings.Contains(line.Err, "too many open files; retrying in") {
				t.Fatalf("a failed Accept logged as %s", sc.Bytes())
			}
			levels[line.Level]++
		}
	}
	if levels["WARN"] != 1 || levels["DEBUG"] < 2 || len(levels) != 2 {
		t.Fatalf("failed Accepts logged at %v; want one warning, and the retries at debug", levels)
	}
}
