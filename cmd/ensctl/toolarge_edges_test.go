package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestEventSizeLimitUnderRiak: under riak a follower's forward and the leader's answer
// to it name the worker that called the follower, a varint of up to 10 bytes more, so
// the largest event ensctl takes is 10 bytes smaller than under default: one that
// fits only without the worker would pass ensctl and be refused by a follower's node.
func TestEventSizeLimitUnderRiak(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	largest := map[string]int{}
	for _, sem := range []string{"default", "riak"} {
		fs, cc := flags("call", io.Discard)
		if err := parseArgs(fs, cc, []string{"--peers", "n1=127.0.0.1:1,n2=127.0.0.1:2", "--secret-file", secret, "--via", "n1",
			"--timeout", "5s", "--semantics", sem, "e1", "echo", "x"}, 2, -1, "ENSEMBLE OP [ARGS...]"); err != nil {
			t.Fatal(err)
		}
		largest[sem] = largestEcho(cc)
	}
	if d := largest["default"] - largest["riak"]; d != 10 {
		t.Errorf("largest event: %d bytes under default, %d under riak; want riak's 10 smaller", largest["default"], largest["riak"])
	}
}
