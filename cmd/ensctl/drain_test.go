package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
)

// TestDrainInterrupted: a drain that a signal cuts short while it asks who leads an
// ensemble (here e2, whose leader takes 2s over each request) says it was interrupted
// and nothing else: not that who leads e2, or e1 after it, is not known ("context
// canceled"), which is the interruption's doing.
func TestDrainInterrupted(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	leadSlowly(t, n, "e2", 2*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	tm := time.AfterFunc(300*time.Millisecond, cancel)
	defer tm.Stop()
	for _, json := range []bool{false, true} {
		args := []string{"leader", "drain", "--peers", "n1=" + n.addr + ",n2=127.0.0.1:1", "--secret-file", n.secret,
			"--connect-timeout", "100ms", "--ensemble", "e2=n1,n2", "--ensemble", "e1=n1,n2"}
		if json {
			args = append(args, "--json")
		}
		var out, errb bytes.Buffer
		code := run(ctx, append(args, "n1"), &out, &errb)
		if code != exitInterrupted || out.Len() != 0 || errb.String() != "ensctl: interrupted\n" {
			t.Fatalf("--json %v: exit %d, stdout %q, stderr %q; want %d, nothing printed but that it was interrupted", json, code, out.String(), errb.String(), exitInterrupted)
		}
	}
}

// TestDrainSaysWhatItDid: leader drain, as its text output says it, against nodes in
// this process: n1 and n2 up, n3 down (nothing listens at its address). It moves a
// lead off the node drained to the other member, saying that --via (n1, which the
// move does not reach: the nodes do not gossip) had not seen it by --timeout, and
// leaves alone one led elsewhere (n1 cannot reach n2, so n2 itself is asked); it
// moves the lead off a node that is down when no member reaches the leader (onto
// --via itself, which sees it at once, so no more is said); and it fails, exit 1, for a lead with no
// other member connected to take it, and for an ensemble whose leader no one can
// reach while the node drained is up, naming each.
func TestDrainSaysWhatItDid(t *testing.T) {
	n1 := startTestNode(t, "n1", "e1", "e4")
	n2 := startTestNode(t, "n2", "e2")
	member := func(n *testNode, e router.EnsembleID, id router.NodeID) {
		t.Helper()
		ref := cluster.PeerRef(e, id)
		if err := n.drv.AddPeer(ref, kv.NewPeer(n.drv, ref)); err != nil {
			t.Fatal(err)
		}
	}
	member(n2, "e1", "n2")
	member(n1, "e3", "n1")
	for _, e := range []router.Entry{
		{Ensemble: "e2", Leader: cluster.PeerRef("e2", "n2"), Version: 1},
		{Ensemble: "e3", Leader: cluster.PeerRef("e3", "n3"), Version: 1},
		{Ensemble: "e5", Leader: cluster.PeerRef("e5", "n3"), Version: 1},
	} {
		n1.drv.Learn(e)
	}
	for _, tc := range []struct {
		name, node string
		ensembles  []string
		exit       int
		stdout     string
		stderr     string
	}{
		{name: "moved and left alone", node: "n1", ensembles: []string{"e1=n1,n2", "e2=n2,n1"},
			// The nodes do not gossip: --via n1 never learns that n2 leads e1 now.
			stdout: "e1: moved from n1 to n2; --via n1 still named another leader after --timeout 300ms: it learns the move by gossip, and calls through it may go to the old leader until then\ne2: led by n2, left alone\n"},
		{name: "leader down", node: "n3", ensembles: []string{"e3=n3,n1"},
			stdout: "e3: moved to n1 (n3 is down, and no member this client reaches could reach the leader, so n3 most likely led it)\n"},
		{name: "no other member connected", node: "n1", ensembles: []string{"e4=n1,n3"}, exit: 1,
			stdout: "e4: led by n1, and no other member is connected to take it\n",
			stderr: "ensctl: leader drain n1: 1 of the ensembles with a member on it were not moved, or who leads them is not known\n"},
		{name: "leader not known", node: "n1", ensembles: []string{"e5=n1,n3"}, exit: 1,
			stdout: "e5: who leads it is not known: router: node unreachable: --via n1, or a node it passed the request to, could not reach e5's leader",
			stderr: "ensctl: leader drain n1: 1 of the ensembles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"leader", "drain", "--peers", "n1=" + n1.addr + ",n2=" + n2.addr + ",n3=127.0.0.1:1", "--secret-file", n1.secret,
				"--connect-timeout", "500ms", "--timeout", "300ms"}
			for _, e := range tc.ensembles {
				args = append(args, "--ensemble", e)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), append(args, tc.node), &out, &errb)
			if code != tc.exit || !strings.HasPrefix(out.String(), tc.stdout) || strings.Count(out.String(), "\n") != len(tc.ensembles) ||
				!strings.HasPrefix(errb.String(), tc.stderr) || tc.stderr == "" && errb.Len() > 0 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q", code, out.String(), errb.String(), tc.exit, tc.stdout, tc.stderr)
			}
		})
	}
}

// TestDrainAsksElsewhere: when --via (n1) cannot say who leads an ensemble, because
// it cannot reach the leader or knows none, drain asks the other members it reaches,
// and the node drained last. Here the nodes reach no one but this client, so each
// knows only what its own directory says. e6: n1 names a leader on n4, which is
// down, and only n2 knows it leads; e7: n1 knows no leader (as under riak semantics,
// where no leader is a timeout answered at once); e8: n3 leads, and n2's own directory
// still says n2 does, so n2 is asked after n3, whose answer stands. And e9, whose
// members know no leader, is not taken to be led by n4 for n4 being down: no member
// said it could not reach the leader, so drain fails saying no leader is known. But
// e10, which n1 knows no leader of and n3 says is led on n4, is: n3 cannot reach the
// leader, and this client cannot reach n4.
func TestDrainAsksElsewhere(t *testing.T) {
	n1 := startTestNode(t, "n1")
	n2 := startTestNode(t, "n2")
	n3 := startTestNode(t, "n3")
	member := func(n *testNode, e router.EnsembleID, id router.NodeID) {
		t.Helper()
		ref := cluster.PeerRef(e, id)
		if err := n.drv.AddPeer(ref, kv.NewPeer(n.drv, ref)); err != nil {
			t.Fatal(err)
		}
	}
	leadSlowly(t, n2, "e6", 0)
	member(n1, "e6", "n1")
	n1.drv.Learn(router.Entry{Ensemble: "e6", Leader: cluster.PeerRef("e6", "n4"), Version: 1})
	leadSlowly(t, n2, "e7", 0)
	member(n1, "e7", "n1")
	leadSlowly(t, n2, "e8", 0)
	leadSlowly(t, n3, "e8", 0)
	member(n1, "e10", "n1")
	n3.drv.Learn(router.Entry{Ensemble: "e10", Leader: cluster.PeerRef("e10", "n4"), Version: 1})
	for _, tc := range []struct {
		name, ensemble, node string
		exit                 int
		stdout               string
	}{
		{"leader unreachable from --via", "e6=n2,n1,n4", "n2", 0, "e6: moved from n2 to n1\n"},
		{"no leader at --via", "e7=n2,n1", "n2", 0, "e7: moved from n2 to n1\n"},
		{"the others before the node drained", "e8=n2,n3,n1", "n2", 0, "e8: led by n3, left alone\n"},
		{"no leader anywhere, the node drained down", "e9=n4,n1", "n4", 1, "e9: who leads it is not known: router: no leader: "},
		{"no leader at --via, another cut off from the node drained", "e10=n4,n1,n3", "n4", 0,
			"e10: moved to n1 (n4 is down, and no member this client reaches could reach the leader, so n4 most likely led it)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"leader", "drain", "--peers", "n1=" + n1.addr + ",n2=" + n2.addr + ",n3=" + n3.addr + ",n4=127.0.0.1:1",
				"--secret-file", n1.secret, "--via", "n1", "--connect-timeout", "500ms", "--timeout", "300ms", "--ensemble", tc.ensemble, tc.node}
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			if code != tc.exit || !strings.HasPrefix(out.String(), tc.stdout) || strings.Count(out.String(), "\n") != 1 || (errb.Len() > 0) != (tc.exit != 0) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q", code, out.String(), errb.String(), tc.exit, tc.stdout)
			}
		})
	}
}

// TestUnreachable: a call says that the leader's node could not be reached when it
// failed with unreachable, or with a timeout well before its deadline (a node under
// riak semantics answers so at once); a timeout at the deadline is a slow leader, and
// no-leader is not unreachable.
func TestUnreachable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		took time.Duration
		want bool
	}{
		{router.ErrUnreachable, 900 * time.Millisecond, true},
		{router.ErrTimeout, time.Millisecond, true},
		{router.ErrTimeout, 499 * time.Millisecond, true},
		{router.ErrTimeout, 500 * time.Millisecond, false},
		{router.ErrTimeout, time.Second, false},
		{router.ErrNoLeader, time.Millisecond, false},
	} {
		if got := unreachable(tc.err, tc.took, time.Second); got != tc.want {
			t.Errorf("%v after %v of 1s: unreachable %v, want %v", tc.err, tc.took, got, tc.want)
		}
	}
}
