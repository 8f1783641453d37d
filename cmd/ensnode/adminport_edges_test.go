package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// TestAdminOnTheClusterPort: an --admin that takes the port of --listen, however it is
// spelled, or a member's address in --peers, is bad usage (exit 2, naming the clash)
// rather than a start that fails with "address already in use" (exit 1), which sends
// the operator looking for another process, or one that takes another member's port
// on the same machine and leaves that member unable to start.
func TestAdminOnTheClusterPort(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	own, other := realcluster.FreeAddr(), realcluster.FreeAddr()
	_, ownPort, _ := strings.Cut(own, ":")
	_, otherPort, _ := strings.Cut(other, ":")
	peers := "n1=" + own + ",n2=" + other
	for _, tc := range []struct {
		name, admin, listen, want string
	}{
		{name: "the listen address", admin: own, want: "--admin " + own + ": that is the cluster port (--listen " + own + ")"},
		{name: "localhost", admin: "localhost:" + ownPort, want: "that is the cluster port"},
		{name: "every interface", admin: "0.0.0.0:" + ownPort, want: "that is the cluster port"},
		{name: "no host", admin: ":" + ownPort, want: "that is the cluster port"},
		{name: "listen on every interface", admin: own, listen: ":" + ownPort, want: "that is the cluster port (--listen :" + ownPort + ")"},
		{name: "another member", admin: other, want: "--admin " + other + ": that is n2's address in --peers"},
		{name: "another member, spelled otherwise", admin: "localhost:0" + otherPort, want: "that is n2's address in --peers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--admin", tc.admin}
			if tc.listen != "" {
				args = append(args, "--listen", tc.listen)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a node that starts stops at once
			var out, errb bytes.Buffer
			if code := run(ctx, args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("--admin %s: exit %d, stderr %q; want 2 and %q", tc.admin, code, errb.String(), tc.want)
			}
		})
	}
	// Ports of their own, or one the system picks, are fine.
	for _, admin := range []string{"127.0.0.1:0", realcluster.FreeAddr()} {
		if _, err := parse([]string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--admin", admin}, &bytes.Buffer{}); err != nil {
			t.Errorf("--admin %s: %v", admin, err)
		}
	}
	if _, err := parse([]string{"--id", "n1", "--peers", peers, "--listen", "127.0.0.1:0", "--secret-file", secret, "--admin", "127.0.0.1:0"}, &bytes.Buffer{}); err != nil {
		t.Errorf("--admin and --listen both on port 0: %v", err)
	}
}

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
