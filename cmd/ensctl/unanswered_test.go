package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestCallThroughOneNodeOnly: a client whose --peers lists only n1 calls e2, led on
// n2. n1 routes the call to n2, whose answer goes straight to the client's node, to
// which n2 has no connection: the call times out, and ensctl says why it may have,
// naming the nodes it is connected to. With every node listed the same call succeeds;
// with a node listed that it cannot reach, it names that node. A leader too slow for
// the deadline, with every node connected, is named as a possible cause too.
func TestCallThroughOneNodeOnly(t *testing.T) {
	bins := programs(t)
	dir := t.TempDir()
	c, err := realcluster.New(realcluster.Config{Ensnode: bins.Ensnode, Dir: dir, Nodes: []string{"n1", "n2"},
		Ensembles: []realcluster.Ensemble{{ID: "e1", Members: []string{"n1"}}, {ID: "e2", Members: []string{"n2"}}}})
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
	// call runs ensctl with args, the flags put after the command's words.
	call := func(peers string, args ...string) (int, string, string) {
		words := 1
		if args[0] == "leader" {
			words = 2
		}
		flags := []string{"--peers", peers, "--secret-file", c.SecretFile(), "--timeout", "500ms"}
		var out, errb bytes.Buffer
		code := run(ctx, append(append(args[:words:words], flags...), args[words:]...), &out, &errb)
		return code, out.String(), errb.String()
	}
	only := "n1=" + c.Node("n1").Addr
	for _, args := range [][]string{{"call", "e2", "get", "k"}, {"leader", "get", "e2"}} {
		code, out, errb := call(only, args...)
		if code != 1 || !strings.Contains(errb, "router: timeout: no answer came") ||
			!strings.Contains(errb, "connected to every node in --peers (connected: n1)") || !strings.Contains(errb, "--peers must list every node of the cluster") {
			t.Errorf("%v through n1 alone: exit %d, stdout %q, stderr %q; want 1 and why", args, code, out, errb)
		}
		// n2 listed where nothing listens: the client cannot connect to it.
		code, out, errb = call(only+",n2=127.0.0.1:1", args...)
		if code != 1 || !strings.Contains(errb, "this client is not connected to n2 (connected: n1): if e2's leader is there") {
			t.Errorf("%v with n2 unreachable: exit %d, stdout %q, stderr %q; want 1 and n2 named", args, code, out, errb)
		}
		if code, out, errb := call(c.Peers(), args...); code != 0 || !strings.Contains(out, "@n2") {
			t.Errorf("%v with every node: exit %d, stdout %q, stderr %q; want the answer from n2", args, code, out, errb)
		}
	}
	// A call that its leader's node answers, through n1 alone: no explanation needed.
	if code, out, errb := call(only, "call", "e1", "get", "k"); code != 0 || errb != "" {
		t.Errorf("e1 through n1 alone: exit %d, stdout %q, stderr %q", code, out, errb)
	}
	// A leader that takes 2s over each event, with a 500ms deadline.
	slow, err := realcluster.New(realcluster.Config{Ensnode: bins.Ensnode, Dir: t.TempDir(), Nodes: []string{"n1"},
		Ensembles: []realcluster.Ensemble{{ID: "e1", Members: []string{"n1"}}}, Args: []string{"--service", "2s"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slow.Close)
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	if err := slow.WaitConnected(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(ctx, []string{"call", "--peers", slow.Peers(), "--secret-file", slow.SecretFile(), "--timeout", "500ms", "e1", "get", "k"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "connected to every node in --peers (connected: n1): e1's leader was slow or busy") {
		t.Errorf("a slow leader: exit %d, stdout %q, stderr %q; want 1 and the leader named as slow", code, out.String(), errb.String())
	}
}

// TestUnreachableViaDown: an unreachable answer while this client's own connection to
// --via is down (it dropped after the command connected) says so: the request never
// left, and nothing past --via is to blame. With --via connected, the explanation is
// about the leader's node instead (TestCallThroughOneNodeOnly, with real nodes).
func TestUnreachableViaDown(t *testing.T) {
	peers := map[router.NodeID]string{"n1": "127.0.0.1:1", "n2": "127.0.0.1:2"}
	tr, err := nettransport.New(nettransport.Config{ID: "ctl", Cluster: "test", Secret: []byte("0123456789abcdef"), Peers: peers,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	cl := &client{c: &common{Options: cluster.Options{Shape: cluster.Shape{Peers: peers}}, via: "n1", timeout: time.Second}, tr: tr}
	err = cl.unanswered("e1", router.ErrUnreachable, time.Millisecond)
	if !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "this client's connection to --via n1 is down") ||
		strings.Contains(err.Error(), "leader") {
		t.Fatalf("%v; want ErrUnreachable, explained by the connection to --via", err)
	}
}

// TestNoAnswerWhyConnectedToNone: a client connected to no member (each said goodbye
// while the call waited) says so, not "(connected: )".
func TestNoAnswerWhyConnectedToNone(t *testing.T) {
	got := noAnswerWhy("--peers", "e1", nil, []string{"n1", "n2"})
	if want := "this client is not connected to n1, n2 (connected: none): if e1's leader is there"; !strings.HasPrefix(got, want) {
		t.Errorf("noAnswerWhy = %q, want it to start %q", got, want)
	}
}
