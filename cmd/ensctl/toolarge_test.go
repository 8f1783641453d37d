package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestEventTooLarge: against a cluster of processes, a call or a cast whose event
// cannot travel in one frame is refused before anything is sent, with exit 2 and a
// message naming the frame limit (the call was reported as "node unreachable", and
// the cast as sent, exit 0, though nothing left the client). An event just under the
// limit still goes through a node to the leader on the other and back.
func TestEventTooLarge(t *testing.T) {
	bins := programs(t)
	dir := t.TempDir()
	c, err := realcluster.New(realcluster.Config{Ensnode: bins.Ensnode, Dir: dir, Nodes: []string{"n1", "n2"},
		Ensembles: []realcluster.Ensemble{{ID: "e1", Members: []string{"n2"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitConnected(ctx, "n1", "n2"); err != nil {
		t.Fatal(err)
	}
	ctl := func(cmd string, words ...string) (int, string, string) {
		args := append([]string{cmd, "--peers", c.Peers(), "--secret-file", c.SecretFile(), "--via", "n1", "--timeout", "5s", "e1"}, words...)
		var out, errb bytes.Buffer
		code := run(ctx, args, &out, &errb)
		return code, out.String(), errb.String()
	}
	k := strings.Repeat("k", 120000)
	big := []string{"echo"}
	for range 10 {
		big = append(big, k)
	}
	for _, cmd := range []string{"call", "cast"} {
		code, out, errb := ctl(cmd, big...)
		if code != 2 || out != "" || !strings.Contains(errb, "the event is 1200014 bytes, too large to send") ||
			!strings.Contains(errb, "a frame holds at most 1048576 bytes") {
			t.Errorf("%s of 1.2 MB: exit %d, stdout %.100q, stderr %q; want 2 and the limit named", cmd, code, out, errb)
		}
	}
	fits := strings.Repeat("f", nettransport.DefaultMaxFrame-200)
	if code, out, errb := ctl("call", "echo", fits); code != 0 || !strings.HasPrefix(out, "echo "+fits+" (") {
		t.Errorf("call just under the limit: exit %d, stdout %.100q, stderr %q; want the echo", code, out, errb)
	}
	if code, out, errb := ctl("cast", "echo", fits); code != 0 || out != "sent\n" {
		t.Errorf("cast just under the limit: exit %d, stdout %.100q, stderr %q; want sent", code, out, errb)
	}
	// The largest event ensctl takes goes through a node to the leader and back, and
	// one byte more is refused: the limit ensctl checks is the frames' own.
	fs, cc := flags("call", io.Discard)
	if err := parseArgs(fs, cc, []string{"--peers", c.Peers(), "--secret-file", c.SecretFile(), "--via", "n1", "--timeout", "5s", "e1", "echo", "x"},
		2, -1, "ENSEMBLE OP [ARGS...]"); err != nil {
		t.Fatal(err)
	}
	lo := largestEcho(cc)
	largest := strings.Repeat("f", lo)
	if code, out, errb := ctl("call", "echo", largest); code != 0 || !strings.HasPrefix(out, "echo "+largest+" (") {
		t.Errorf("call of the largest event taken (echo of %d bytes): exit %d, stdout %.100q, stderr %q; want the echo", lo, code, out, errb)
	}
	if code, out, errb := ctl("call", "echo", largest+"f"); code != 2 || out != "" || !strings.Contains(errb, "too large to send") {
		t.Errorf("call of one byte more: exit %d, stdout %.100q, stderr %q; want 2, too large", code, out, errb)
	}
}

// largestEcho is the longest argument of an echo to e1 that cc's size check takes.
func largestEcho(cc *common) int {
	lo, hi := 0, nettransport.DefaultMaxFrame // an echo of lo bytes is taken, of hi not
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; cc.checkSize("call", "e1", []byte("echo "+strings.Repeat("f", mid))) == nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
