package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestWrongClusterHinted: a client given another cluster name than the nodes' is
// refused with "wrong cluster", which said neither name nor what to do; ensctl now
// says which name it gave and which setting to change, exit 1.
func TestWrongClusterHinted(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"call", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
		"--cluster", "prod2", "e1", "get", "k"}, &out, &errb)
	want := `ensctl: cannot reach --via n1: connect to n1: nettransport: connection refused: wrong cluster (this side's cluster name is "prod2"; the node dialed has another) (set --cluster to the nodes' cluster name)`
	if code != 1 || !strings.HasPrefix(errb.String(), want) {
		t.Fatalf("exit %d, stderr %q\nwant exit 1, stderr %q", code, errb.String(), want)
	}
}
