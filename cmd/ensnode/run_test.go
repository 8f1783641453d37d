package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadFlags: bad flags and config exit 2 with a message naming the problem.
func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	short := filepath.Join(dir, "short")
	conf := filepath.Join(dir, "c.json")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	_ = os.WriteFile(short, []byte("abc"), 0o600)
	_ = os.WriteFile(conf, []byte(`{"peers": {"n1": "127.0.0.1:1"}, "ensembels": []}`), 0o600)
	peers := "n1=127.0.0.1:1,n2=127.0.0.1:2"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "no id", args: []string{"--peers", peers, "--secret-file", secret}, want: "--id is required"},
		{name: "id not a peer", args: []string{"--id", "n9", "--peers", peers, "--secret-file", secret}, want: "--id n9 is not in --peers"},
		{name: "bad peers", args: []string{"--id", "n1", "--peers", "n1", "--secret-file", secret}, want: `--peers: "n1": want id=host:port`},
		{name: "no port", args: []string{"--id", "n1", "--peers", "n1=localhost", "--secret-file", secret}, want: "the address needs a port"},
		{name: "no secret", args: []string{"--id", "n1", "--peers", peers}, want: "--secret-file is required"},
		{name: "short secret", args: []string{"--id", "n1", "--peers", peers, "--secret-file", short}, want: "the secret has 3 bytes, want at least 8"},
		{name: "member not a peer", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--ensemble", "e1=n1,n7"}, want: "ensemble e1: member n7 is not in --peers"},
		{name: "bad ensemble", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--ensemble", "e1"}, want: `--ensemble "e1": want id=node,node,...`},
		{name: "bad semantics", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--semantics", "erlang"}, want: `--semantics "erlang": want default or riak`},
		{name: "bad routers", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--routers", "0"}, want: "--routers 0: want at least 1"},
		{name: "tls half", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--tls-cert", "x.pem"}, want: "--tls-cert and --tls-key go together"},
		{name: "config typo", args: []string{"--id", "n1", "--config", conf, "--secret-file", secret}, want: `unknown field "ensembels"`},
		{name: "unknown flag", args: []string{"--idd", "n1"}, want: "flag provided but not defined: -idd"},
		{name: "bad peer rate", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--peer-rate", "-3"}, want: "--peer-rate -3: want 0 or more"},
		{name: "bad log level", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--log-level", "loud"}, want: `--log-level "loud"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}
