package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestartedLeaderRepliesReachClients: n3 leads e3, and restarts while a client
// calls e3 through n1 (200 calls a second, open loop, 6s timeout). While n3 is down
// the calls fail fast (unreachable). Once it is back, n1 forwards to it at once, but
// the client, whose redials to n3 have backed off, reconnects to it only later: the
// replies n3 sends it in between are held (--reply-hold) and arrive when it does, so
// no call times out. With --reply-hold 1ns those replies are held and expire at once,
// as good as lost, and their calls wait out their timeout: the bug injection (held,
// they are counted, so both runs see whether the window came).
//
// n3 stays down 2.1s: the client's redials then come about 1.6s and 3.2s after the
// stop (each backoff ±25%), so it is back about a second after n3 is. The hold and
// the timeout are longer than the default hold (3s), which covers the 2.5s the
// longest redial takes, so that a slow start of n3 on a loaded machine, which can
// put a whole backoff between n3's start and the client's return, cannot fail the
// test. A restart where the client came back before n1 forwarded anything (n3 held,
// or refused, no reply) shows nothing, and is run again.
func TestRestartedLeaderRepliesReachClients(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	for _, hold := range []bool{true, false} {
		t.Run("hold="+strconv.FormatBool(hold), func(t *testing.T) {
			c := newTestCluster(t)
			n3 := c.nodes[2]
			n3.args = []string{"--reply-hold", "5s"}
			if !hold {
				n3.args = []string{"--reply-hold", "1ns"}
			}
			c.startAll()
			for attempt := 1; ; attempt++ {
				b, window := c.restartUnderLoad(n3)
				t.Logf("attempt %d: calls %d, ok %d, errors %v; n3 held %v replies", attempt, b.Calls, b.OK, b.Errors, window)
				if b.Errors["unreachable"] == 0 {
					t.Fatalf("no call failed while n3 was down: the restart fell outside the load")
				}
				if hold && b.Errors["timeout"] != 0 {
					t.Fatalf("%d calls timed out with replies held, want none", b.Errors["timeout"])
				}
				if window > 0 {
					if !hold && b.Errors["timeout"] == 0 {
						t.Fatalf("with --reply-hold 1ns, n3 lost %v replies, and no call timed out", window)
					}
					return
				}
				if attempt == 3 {
					t.Fatalf("in %d restarts of n3 the client was always back before n3 replied to it", attempt)
				}
			}
		})
	}
}

// restartUnderLoad restarts n3 (down 2.1s) while ensctl bench calls e3 through n1, and
// returns bench's report and the replies the restarted n3 held.
func (c *testCluster) restartUnderLoad(n3 *proc) (benchOut, float64) {
	t := c.t
	bench := exec.Command(filepath.Join(c.bin, "ensctl"), "bench", "--peers", c.peers, "--secret-file", c.secret, "--json",
		"--via", "n1", "--rate", "200", "--duration", "5s", "--timeout", "6s", "e3")
	var out, errb bytes.Buffer
	bench.Stdout, bench.Stderr = &out, &errb
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if bench.ProcessState == nil {
			_ = bench.Process.Kill()
			_ = bench.Wait()
		}
	})
	time.Sleep(500 * time.Millisecond)
	_ = n3.cmd.Process.Signal(syscall.SIGTERM)
	if err := n3.cmd.Wait(); err != nil {
		t.Fatalf("n3 after SIGTERM: %v", err)
	}
	time.Sleep(2100 * time.Millisecond)
	c.start(n3)
	c.healthy(n3, "n1", "n2", "n3")
	_ = bench.Wait() // exits 1 if no call succeeded; the report says how each ended
	var b benchOut
	if err := json.Unmarshal(out.Bytes(), &b); err != nil {
		t.Fatalf("ensctl bench: %v: %q, %s", err, out.Bytes(), errb.String())
	}
	return b, metric(t, n3, `ensroute_transport_total{what="replies_held"}`)
}

// metric returns the value of the line of p's /metrics that begins with name (with
// its labels), or fails the test.
func metric(t *testing.T, p *proc, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.adminAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("%s is not on %s's /metrics", name, p.id)
	return 0
}
