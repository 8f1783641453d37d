package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenSecretFileWarnedAtDefaultLevel: ensctl logs only errors by default, which
// hid the warning that its --secret-file is open to every user of the machine (the
// walkthrough's `... > cluster.secret`): it is shown whatever --log-level, and not for
// a file of the user alone.
func TestOpenSecretFileWarnedAtDefaultLevel(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens: the call fails at once
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		args []string
		warn bool
	}{
		{mode: 0o644, warn: true},
		{mode: 0o644, args: []string{"--log-level", "error"}, warn: true},
		{mode: 0o600, warn: false},
	} {
		secret := filepath.Join(dir, "secret"+tc.mode.String())
		if err := os.WriteFile(secret, []byte("long-enough-secret"), tc.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(secret, tc.mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		args := append([]string{"call", "--peers", "n1=" + addr, "--secret-file", secret, "--connect-timeout", "2s"}, tc.args...)
		code := run(context.Background(), append(args, "e1", "get", "k"), &out, &errb)
		if code != 1 {
			t.Errorf("mode %v %v: exit %d, want 1 (nothing listens); stderr:\n%s", tc.mode, tc.args, code, errb.String())
		}
		got := strings.Contains(errb.String(), "level=WARN msg=\"a credentials file is open to every user")
		if got != tc.warn {
			t.Errorf("mode %v %v: warned %v, want %v; stderr:\n%s", tc.mode, tc.args, got, tc.warn, errb.String())
		}
	}
}
