package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startAlone starts p as the only member and leader of e2, with extra flags, and
// makes c's clients talk to it alone.
func (c *testCluster) startAlone(p *proc, extra ...string) {
	c.peers = fmt.Sprintf("%s=127.0.0.1:%d", p.id, p.port)
	p.log = filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", p.id, time.Now().UnixNano())) // extra may hold paths
	logf, err := os.Create(p.log)
	if err != nil {
		c.t.Fatal(err)
	}
	defer logf.Close()
	args := append([]string{"--id", p.id, "--peers", c.peers, "--ensemble", "e2=" + p.id,
		"--secret-file", p.secret, "--admin", p.adminAddr()}, extra...)
	p.cmd = exec.Command(filepath.Join(c.bin, "ensnode"), args...)
	if p.fileLimit > 0 {
		// The shell sets the limit (soft and hard) and becomes ensnode.
		p.cmd = exec.Command("sh", append([]string{"-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, p.fileLimit),
			filepath.Join(c.bin, "ensnode")}, args...)...)
	}
	p.cmd.Stderr, p.cmd.Stdout = logf, logf
	if err := p.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	cmd := p.cmd
	c.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	c.healthy(p)
}

// slowCounts reads the node's ensroute_kv_slow_requests_total by outcome.
func (c *testCluster) slowCounts(p *proc) map[string]int {
	resp, err := http.Get("http://" + p.adminAddr() + "/metrics")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `ensroute_kv_slow_requests_total{outcome="`)
		if !ok {
			continue
		}
		outcome, value, _ := strings.Cut(rest, `"} `)
		n, _ := strconv.Atoi(value)
		counts[outcome] = n
	}
	return counts
}

// TestBenchOpenLoop: ensctl bench in open loop against a real node accounts for
// every call of its schedule (2000 a second for half a second): each made and
// answered, or skipped (a machine that stalls the generator near the end of the run
// makes it skip the calls it reaches more than 1ms late); it reports the client's
// messages per write and read, and how late the calls started; the text form names
// the late starts.
func TestBenchOpenLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs them")
	}
	c := newTestCluster(t)
	n2 := c.nodes[1]
	c.startAlone(n2)
	out, exit, stderr := c.run("bench", "--via", "n2", "--rate", "2000", "--concurrency", "8", "--duration", "500ms", "--timeout", "5s", "e2")
	var b struct {
		Mode      string  `json:"mode"`
		Scheduled int64   `json:"scheduled"`
		Calls     int64   `json:"calls"`
		Skipped   int64   `json:"skipped"`
		OK        int64   `json:"ok"`
		CPS       float64 `json:"calls_per_sec"`
		IO        struct {
			Sent, Writes, Received, Reads uint64
		} `json:"io"`
		Lag map[string]int64 `json:"start_lag_ns"`
	}
	if exit != 0 || json.Unmarshal(out, &b) != nil {
		t.Fatalf("ensctl bench: exit %d, %q, %s", exit, out, stderr)
	}
	if b.Mode != "open" || b.Scheduled != 1000 || b.Calls+b.Skipped != 1000 || b.Calls < 500 || b.OK != b.Calls || b.CPS <= 0 {
		t.Fatalf("open loop: %s", out)
	}
	if b.IO.Sent != uint64(b.Calls) || b.IO.Received != uint64(b.Calls) || b.IO.Writes == 0 || b.IO.Writes > b.IO.Sent || b.IO.Reads == 0 {
		t.Fatalf("client io: %+v, want a message each way per call (%d) in at most as many writes", b.IO, b.Calls)
	}
	if lag := b.Lag; lag["p50"] <= 0 || lag["p50"] > lag["p99"] || lag["p99"] > lag["max"] {
		t.Fatalf("start lag %v, want 0 < p50 <= p99 <= max", lag)
	}
	// The text form always prints the late starts (JSON omits a zero) and the io line.
	cmd := exec.Command(filepath.Join(c.bin, "ensctl"), "bench", "--peers", c.peers, "--secret-file", c.secret,
		"--via", "n2", "--rate", "1000", "--duration", "100ms", "e2")
	text, err := cmd.Output()
	if err != nil || !strings.Contains(string(text), "started late ") || !strings.Contains(string(text), "start lag p50 ") || !strings.Contains(string(text), "a write") {
		t.Fatalf("text form: %v\n%s", err, text)
	}
}

// TestSlowPeer: a leader served at 50 requests a second, called by 32 callers who give
// up after 200ms, serves some calls in time and skips the requests whose callers'
// budget cannot cover its work; with --peer-skip-expired=false it serves them all,
// most for callers who gave up, and skips none.
func TestSlowPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs them")
	}
	for _, skip := range []bool{true, false} {
		t.Run(fmt.Sprint("skip=", skip), func(t *testing.T) {
			c := newTestCluster(t)
			n2 := c.nodes[1]
			c.startAlone(n2, "--peer-rate", "50", fmt.Sprint("--peer-skip-expired=", skip))
			out, exit, stderr := c.run("bench", "--via", "n2", "--concurrency", "32", "--timeout", "200ms", "--duration", "1s", "e2")
			if exit != 0 {
				t.Fatalf("ensctl bench: exit %d, %q, %s", exit, out, stderr)
			}
			got := c.slowCounts(n2)
			switch {
			case got["in_time"] == 0:
				t.Fatalf("nothing served in time: %v", got)
			case skip && got["skipped"] == 0:
				t.Fatalf("skipping: nothing skipped: %v", got)
			case !skip && (got["skipped"] != 0 || got["late"] == 0):
				t.Fatalf("ignoring budgets: %v, want late requests and none skipped", got)
			case !skip && got["late"] <= got["in_time"]:
				// 32 callers keep 640ms of work queued for a 200ms budget: after
				// the first few, every request is served late.
				t.Fatalf("ignoring budgets: %v, want more served late than in time", got)
			}
		})
	}
}
