package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
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
	var msgs []string
	for _, line := range stopForJSONLog(t, n1) {
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
	levels := map[string]int{}
	for _, line := range stopForJSONLog(t, n1) {
		if strings.Contains(line.Err, "http: Accept error") {
			if line.Msg != "admin server error" || !strings.Contains(line.Err, "too many open files; retrying in") {
				t.Fatalf("a failed Accept logged as %s", line.raw)
			}
			levels[line.Level]++
		}
	}
	if levels["WARN"] != 1 || levels["DEBUG"] < 2 || len(levels) != 2 {
		t.Fatalf("failed Accepts logged at %v; want one warning, and the retries at debug", levels)
	}
}

// jsonLine is a line of a --log-format json node's log.
type jsonLine struct {
	Time, Level, Msg, Err string
	raw                   string
}

// stopForJSONLog stops node n with SIGTERM, waits for it to exit cleanly, and returns
// the lines of its log, failing the test at the first that is not a JSON object with
// a time, a level and a message.
func stopForJSONLog(t *testing.T, n *proc) []jsonLine {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	if err := n.cmd.Wait(); err != nil {
		t.Fatalf("%s after SIGTERM: %v", n.id, err)
	}
	f, err := os.Open(n.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []jsonLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line jsonLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Time == "" || line.Level == "" || line.Msg == "" {
			t.Fatalf("not a JSON log line (%v): %s", err, sc.Bytes())
		}
		line.raw = sc.Text()
		lines = append(lines, line)
	}
	return lines
}

// TestReadyLineHostsNoneAsEmptyList: the ready line of a node that hosts no ensemble
// gives its hosts as an empty list in either format: the JSON log said null, which a
// collector reads as a missing field, where the text log says [].
func TestReadyLineHostsNoneAsEmptyList(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	for _, tc := range []struct{ format, want string }{{"json", `"hosts":[]`}, {"text", "hosts=[]"}} {
		var logs syncBuffer
		o, err := parse([]string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--secret-file", secretFile,
			"--admin", "", "--log-format", tc.format}, &logs)
		if err != nil {
			t.Fatal(err)
		}
		n1, err := start(o, o.logs.Logger(&logs))
		if err != nil {
			t.Fatal(err)
		}
		n1.stop()
		ready := ""
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "ready") {
				ready = line
			}
		}
		if !strings.Contains(ready, tc.want) {
			t.Errorf("--log-format %s: the ready line %q lacks %s", tc.format, ready, tc.want)
		}
	}
}
