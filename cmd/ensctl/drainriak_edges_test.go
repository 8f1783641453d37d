package main

import (
	"bytes"
	"context"
	"testing"
)

// TestDrainRiakAsksElsewhere: leader drain asks --via who leads each ensemble and,
// if --via knows no leader, the other members. Under riak semantics a node drops a
// client's request for an ensemble it knows no leader of, and the call waits out
// --timeout: the drain took that for an answer and failed ("who leads it is not
// known", exit 1), as during a rolling change that adds an ensemble, whose --via
// does not have it yet. It now asks the other members after a timeout, under riak.
func TestDrainRiakAsksElsewhere(t *testing.T) {
	n1 := startRiakNode(t, "n1")       // knows no leader of e2
	n2 := startRiakNode(t, "n2", "e2") // leads e2
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"leader", "drain", "--peers", "n1=" + n1.addr + ",n2=" + n2.addr,
		"--secret-file", n1.secret, "--semantics", "riak", "--timeout", "300ms", "--ensemble", "e2=n2,n1", "n1"}, &out, &errb)
	if code != 0 || out.String() != "e2: led by n2, left alone\n" || errb.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0, %q", code, out.String(), errb.String(), "e2: led by n2, left alone\n")
	}
}
