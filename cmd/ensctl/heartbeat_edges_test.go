package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeartbeatFlagsExit2: ensctl, a client node, takes the nodes' heartbeat and
// backoff flags on every command that connects, and refuses a value the transport
// would, exit 2, naming the flag and its bound, before it dials.
func TestHeartbeatFlagsExit2(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	for _, c := range []struct {
		cmd, flags, rest []string
		want             string
	}{
		{[]string{"call"}, []string{"--heartbeat-interval", "10µs"}, []string{"e1", "get", "k"}, "ensctl: usage: --heartbeat-interval 10µs: want at least 1ms"},
		{[]string{"bench"}, []string{"--heartbeat-interval", "1s", "--heartbeat-timeout", "900ms"}, []string{"e1"}, "ensctl: usage: --heartbeat-timeout 900ms: want more than --heartbeat-interval 1s"},
		{[]string{"call"}, []string{"--backoff-min", "-5ms"}, []string{"e1", "get", "k"}, "ensctl: usage: --backoff-min -5ms: want a positive duration"},
		{[]string{"leader", "get"}, []string{"--backoff-min", "1s", "--backoff-max", "100ms"}, []string{"e1"}, "ensctl: usage: --backoff-max 100ms: want at least --backoff-min 1s"},
	} {
		args := append(append(append(append([]string{}, c.cmd...), "--peers", "n1=127.0.0.1:1", "--secret-file", secret), c.flags...), c.rest...)
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		if code != 2 || !strings.HasPrefix(errb.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", args, code, errb.String(), c.want)
		}
	}
}
