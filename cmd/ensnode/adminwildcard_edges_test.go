package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// TestAdminOnEveryInterfaceTakesMemberPort: an --admin on every interface (":P",
// "0.0.0.0:P", "[::]:P") takes port P of every address of the machine, so with
// another member at a loopback address on port P (the walkthrough's three nodes on
// 127.0.0.1) the node that starts first leaves that member unable to start: refused
// as bad usage, naming the member. The same port of a member at an address that may
// be another machine's is not refused.
func TestAdminOnEveryInterfaceTakesMemberPort(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	own, other := realcluster.FreeAddr(), realcluster.FreeAddr()
	_, otherPort, _ := strings.Cut(other, ":")
	for _, tc := range []struct{ peers, admin string }{
		{"n1=" + own + ",n2=" + other, ":" + otherPort},
		{"n1=" + own + ",n2=" + other, "0.0.0.0:" + otherPort},
		{"n1=" + own + ",n2=" + other, "[::]:" + otherPort},
		{"n1=" + own + ",n2=localhost:" + otherPort, ":" + otherPort},
	} {
		_, err := parse([]string{"--id", "n1", "--peers", tc.peers, "--secret-file", secret, "--admin", tc.admin}, &bytes.Buffer{})
		if want := "that takes the port of n2's address"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--peers %s --admin %s: %v; want refused with %q", tc.peers, tc.admin, err, want)
		}
	}
	// A member at an address that need not be this machine's keeps its port.
	peers := "n1=" + own + ",n2=10.255.255.1:" + otherPort
	if _, err := parse([]string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--admin", ":" + otherPort}, &bytes.Buffer{}); err != nil {
		t.Errorf("--peers %s --admin :%s: %v; want it taken", peers, otherPort, err)
	}
}
