package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHeartbeatTimeoutNoticesSilentPeer: nodes started with --heartbeat-interval 50ms
// and --heartbeat-timeout 500ms notice a member that stopped (SIGSTOP: its
// connections stay open, and it sends nothing) within the timeout, where the
// transport's own 3s would leave every call to it waiting out its deadline. The
// bound allows a loaded machine 2s past the timeout, still short of the default's
// 3s. An ensctl left at the default heartbeat (a ping every 500ms, which a timeout of
// 500ms does not outlast) is told so on stderr, and the node warns of it.
func TestHeartbeatTimeoutNoticesSilentPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	const timeout = 500 * time.Millisecond
	c := newTestCluster(t)
	for _, p := range c.nodes {
		p.args = []string{"--heartbeat-interval", "50ms", "--heartbeat-timeout", timeout.String()}
	}
	c.startAll()
	n1, n3 := c.nodes[0], c.nodes[2]
	connected := func(id string) (bool, bool) {
		h := c.health(n1)
		if h == nil {
			return false, false
		}
		for _, q := range h.Peers {
			if q.ID == id {
				return q.Connected, true
			}
		}
		return false, false
	}
	if up, ok := connected("n3"); !up || !ok {
		t.Fatal("n1 is not connected to n3 before the pause")
	}
	stopped := time.Now()
	if err := n3.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = n3.cmd.Process.Signal(syscall.SIGCONT) }()
	var noticed time.Duration
	c.eventually("n1 notices n3 silent", func() (bool, string) {
		if up, ok := connected("n3"); ok && !up {
			noticed = time.Since(stopped)
			return true, ""
		}
		return false, "n3 still connected"
	})
	t.Logf("n1 noticed n3 stopped after %v (--heartbeat-timeout %v)", noticed.Round(time.Millisecond), timeout)
	// The last frame from n3 came a ping interval, and a scheduling delay of n3's,
	// before the stop, at most: half the timeout is far more than either.
	if noticed < timeout/2 || noticed > timeout+2*time.Second {
		t.Fatalf("n1 noticed n3 stopped after %v; want about --heartbeat-timeout %v (at most 2s more on a loaded machine; the transport's own timeout is 3s)", noticed, timeout)
	}
	c.logged(n1, "disconnected", "peer=n3", "peer silent past the heartbeat timeout")
	_ = n3.cmd.Process.Signal(syscall.SIGCONT)
	c.healthy(n1, "n3")

	// ensctl at the default heartbeat pings every 500ms: the nodes' 500ms timeout
	// does not outlast it.
	o := c.ctl("call", "--via", "n1", "e1", "get", "k")
	if o.exit != 0 || !strings.Contains(o.stderr, "ensctl: note: --via n1: this client pings every 500ms (its --heartbeat-interval) when idle, and n1 closes a connection silent for 500ms (its --heartbeat-timeout)") {
		t.Fatalf("ensctl at the default heartbeat: %+v", o)
	}
	c.logged(n1, "level=WARN", "heartbeat does not fit", "peer_kind=client")
	// Given a heartbeat that fits, it says nothing of it.
	if o := c.ctl("call", "--via", "n1", "--heartbeat-interval", "50ms", "--heartbeat-timeout", "500ms", "e1", "get", "k"); o.exit != 0 || strings.Contains(o.stderr, "heartbeat") {
		t.Fatalf("ensctl with the nodes' heartbeat: %+v", o)
	}
	b, _ := os.ReadFile(n1.log)
	if strings.Count(string(b), "heartbeat does not fit") != 1 {
		t.Fatalf("n1 warned of the client's heartbeat other than once:\n%s", b)
	}
}

// TestHeartbeatFlagsExit2: a heartbeat or backoff the transport would refuse is bad
// usage, exit 2, naming the flag and its bound, before the node starts.
func TestHeartbeatFlagsExit2(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	base := []string{"--id", "n1", "--peers", "n1=127.0.0.1:1", "--secret-file", secret, "--admin", ""}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--heartbeat-interval", "0"}, "ensnode: usage: --heartbeat-interval 0s: want at least 1ms"},
		{[]string{"--heartbeat-interval", "200ms", "--heartbeat-timeout", "200ms"}, "ensnode: usage: --heartbeat-timeout 200ms: want more than --heartbeat-interval 200ms"},
		{[]string{"--backoff-min", "0"}, "ensnode: usage: --backoff-min 0s: want a positive duration"},
		{[]string{"--backoff-max", "2h"}, "ensnode: usage: --backoff-max 2h0m0s: want at most 1h0m0s"},
		{[]string{"--backoff-min", "3s", "--backoff-max", "1s"}, "ensnode: usage: --backoff-max 1s: want at least --backoff-min 3s"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(append([]string{}, base...), c.args...), &out, &errb)
		if code != 2 || !strings.HasPrefix(errb.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
}

// TestReplyHoldFollowsBackoff: left out, --reply-hold covers a client that redials
// as this node does, --backoff-max and its jitter later (the transport's own
// default): with --backoff-max 8s, 10.5s, where a fixed 3s dropped the replies of a
// restart before such a client came back; given, it is what it says.
func TestReplyHoldFollowsBackoff(t *testing.T) {
	base := []string{"--id", "n1", "--peers", "n1=127.0.0.1:1", "--secret-file", "s", "--admin", ""}
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 3 * time.Second},
		{[]string{"--backoff-max", "8s"}, 10500 * time.Millisecond},
		{[]string{"--backoff-min", "4s"}, 5500 * time.Millisecond},
		{[]string{"--backoff-max", "8s", "--reply-hold", "1s"}, time.Second},
		{[]string{"--backoff-max", "8s", "--reply-hold", "0"}, 0},
	} {
		o, err := parse(append(append([]string{}, base...), c.args...), io.Discard)
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if o.replyHold != c.want {
			t.Errorf("%q: --reply-hold %v, want %v", c.args, o.replyHold, c.want)
		}
	}
}
