package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTraceCallKeepsEveryAttempt: with callers that retry (slow-leader-retry, seed
// 1, whose request c1.1.195 times out on each of its three attempts, c1.1.195,
// c1.1.216 and c1.1.251), --call of any attempt keeps every attempt of the request
// in each format, the same records whichever attempt it names. Of a later attempt,
// the part kept as the run goes missed the first attempt, and trace makes the run
// again; it used to show the one attempt named.
func TestTraceCallKeepsEveryAttempt(t *testing.T) {
	attempts := []string{"c1.1.195", "c1.1.216", "c1.1.251"}
	var first string
	for k, call := range attempts {
		code, stdout, stderr := ensim(t, "trace", "--scenario", "slow-leader-retry", "--call", call, "--format", "jsonl")
		if code != exitOK || stderr != "" {
			t.Fatalf("--call %s: exit %d, stderr %q", call, code, stderr)
		}
		for _, a := range attempts {
			if !strings.Contains(stdout, `"kind":"call","call":"`+a+`"`) {
				t.Errorf("--call %s --format jsonl: no call record of attempt %s", call, a)
			}
		}
		if k == 0 {
			first = stdout
		} else if stdout != first {
			t.Errorf("--call %s --format jsonl: not the records of --call %s", call, attempts[0])
		}
	}
	code, stdout, _ := ensim(t, "trace", "--scenario", "slow-leader-retry", "--call", "c1.1.251")
	want := "# 21 of 36090 records: call c1.1.251 with every attempt of its request c1.1.195 (c1.1.195, c1.1.216, c1.1.251)\n"
	if code != exitOK || !strings.Contains(stdout, want) {
		t.Errorf("--call c1.1.251: exit %d, want the heading %q:\n%s", code, want, stdout)
	}
	for _, a := range attempts {
		if !strings.Contains(stdout, "\n"+a+"  c1 ") {
			t.Errorf("--call c1.1.251: the table has no row of attempt %s:\n%s", a, stdout)
		}
	}
	page := filepath.Join(t.TempDir(), "t.html")
	if code, _, stderr := ensim(t, "trace", "--scenario", "slow-leader-retry", "--call", "c1.1.216", "--format", "html", "--out", page); code != exitOK {
		t.Fatalf("--format html: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		if !strings.Contains(string(b), `["`+a+`",`) {
			t.Errorf("--call c1.1.216 --format html: the page holds no call %s", a)
		}
	}
}
