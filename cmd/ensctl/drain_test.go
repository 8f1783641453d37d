package main

import (
	"bytes"
	"context"
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
	ref := cluster.PeerRef("e2", "n1")
	slow := kv.NewPeer(n.drv, ref)
	slow.Service = 2 * time.Second
	if err := n.drv.AddPeer(ref, slow); err != nil {
		t.Fatal(err)
	}
	n.drv.Learn(router.Entry{Ensemble: "e2", Leader: ref, Version: 1})
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
