package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// TestSIGHUPConfigSharedAddress: a --config file edited so that two members share an
// address (a line copied and its id changed, not its port) was warned of at a SIGHUP
// as merely changed ("restart it to apply the file"), and the restart then refused it
// (exit 2). The SIGHUP now says the node would not start with the file, naming both
// members and the address, as the start itself does.
func TestSIGHUPConfigSharedAddress(t *testing.T) {
	secret, config, write := configFiles(t)
	a1, a2 := realcluster.FreeAddr(), realcluster.FreeAddr()
	write(`{"peers": {"n1": "` + a1 + `", "n2": "` + a2 + `"}, "ensembles": [{"id": "e1", "members": ["n1", "n2"]}]}`)
	o, err := parse([]string{"--id", "n1", "--config", config, "--secret-file", secret}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	write(`{"peers": {"n1": "` + a1 + `", "n2": "` + a2 + `", "n3": "` + a2 + `"}, "ensembles": [{"id": "e1", "members": ["n1", "n2", "n3"]}]}`)
	var logs bytes.Buffer
	(&node{o: o}).checkConfig(slog.New(slog.NewTextHandler(&logs, nil)))
	want := `level=WARN msg="SIGHUP: the --config file cannot be read as a configuration now; the node runs on as it started, but would not start with the file as it is" config=` + config +
		` err="--config ` + config + `: peers: n2 and n3 share the address ` + a2 + `"`
	if got := logs.String(); !strings.Contains(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("logged %q\nwant one line holding %q", got, want)
	}
	// The start it warns of.
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"--id", "n1", "--config", config, "--secret-file", secret}, io.Discard, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "peers: n2 and n3 share the address "+a2) {
		t.Errorf("start with the file: exit %d, %q; want 2 naming n2, n3 and %s", code, stderr.String(), a2)
	}
}

// TestSIGHUPConfigSharedAddressProcess: the same through a SIGHUP to an ensnode
// process whose --peers flag overrides the file's peers: the file's own peers are
// checked all the same (the next run without the flag would trip on them).
func TestSIGHUPConfigSharedAddressProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	config := filepath.Join(c.dir, "cluster.json")
	if err := os.WriteFile(config, []byte(`{"semantics": "riak"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.startAlone(n1, "--config", config)
	c.logged(n1, "msg=ready")
	if err := os.WriteFile(config, []byte(`{"semantics": "riak", "peers": {"n1": "127.0.0.1:7101", "n2": "127.0.0.1:7102", "n3": "127.0.0.1:7102"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded")
	c.logged(n1, "level=WARN", "but would not start with the file as it is", "peers: n2 and n3 share the address 127.0.0.1:7102")
}
