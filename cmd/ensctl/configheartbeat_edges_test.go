package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigHeartbeatKeysExit2: ensctl reads the --config file's heartbeat keys as
// ensnode does (an unknown key before), and refuses a value the transport would,
// exit 2, naming the file and the key, before it dials.
func TestConfigHeartbeatKeysExit2(t *testing.T) {
	dir := t.TempDir()
	secret, config := filepath.Join(dir, "s"), filepath.Join(dir, "cluster.json")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	for _, c := range []struct {
		cmd, rest []string
		config    string
		want      string
	}{
		{[]string{"call"}, []string{"e1", "get", "k"}, `"heartbeat_interval": "10µs"`, "heartbeat_interval 10µs: want at least 1ms"},
		{[]string{"bench"}, []string{"e1"}, `"heartbeat_interval": "1s", "heartbeat_timeout": "900ms"`, "heartbeat_timeout 900ms: want more than heartbeat_interval 1s"},
		{[]string{"leader", "get"}, []string{"e1"}, `"backoff_min": "1s", "backoff_max": "100ms"`, "backoff_max 100ms: want at least backoff_min 1s"},
	} {
		if err := os.WriteFile(config, []byte(`{"peers": {"n1": "127.0.0.1:1"}, `+c.config+`}`), 0o600); err != nil {
			t.Fatal(err)
		}
		args := append(append(append([]string{}, c.cmd...), "--config", config, "--secret-file", secret), c.rest...)
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		want := "ensctl: usage: --config " + config + ": " + c.want
		if code != 2 || !strings.HasPrefix(errb.String(), want) {
			t.Errorf("%q with %s: exit %d, stderr %q; want 2 and %q", args, c.config, code, errb.String(), want)
		}
	}
}
