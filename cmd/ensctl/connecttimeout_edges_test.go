package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestConnectTimeoutLongerThanTheHandshakes: a --connect-timeout longer than the
// transport's own handshake timeout (5s) is waited for whole, for a node that takes
// the connection and never answers (a node stopped with SIGSTOP, whose kernel still
// accepts), and the failure is explained as any --connect-timeout is; it used to fail
// at 5s with a bare "read tcp ...: i/o timeout".
func TestConnectTimeoutLongerThanTheHandshakes(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a --connect-timeout of over 5s")
	}
	addr := holdingListener(t) // takes connections, never answers
	secret := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	wait := nettransport.DefaultHandshakeTimeout + time.Second
	var out, errb bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"call", "--peers", "n1=" + addr, "--secret-file", secret,
		"--connect-timeout", wait.String(), "e1", "get", "k"}, &out, &errb)
	took := time.Since(start)
	want := "no answer within --connect-timeout " + wait.String() + ": is the node running, and not stopped or overloaded?"
	if code != 1 || !strings.Contains(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errb.String(), want)
	}
	if took < wait {
		t.Errorf("gave up after %v, before --connect-timeout %v", took, wait)
	}
}
