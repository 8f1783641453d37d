package main

import (
	"bufio"
	"encoding/json"
	"os"
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
