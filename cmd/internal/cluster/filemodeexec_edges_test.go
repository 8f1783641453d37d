package cluster_test

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// TestCredentialsExecutableByOthersNotWarned: the warning is for a credentials file
// every user may read or write, as it says; one whose other users may only execute it
// (mode 0601, 0701) is neither, and is not warned of, while 0604 and 0606 are.
func TestCredentialsExecutableByOthersNotWarned(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("long-enough-secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o601, false}, {0o701, false}, {0o604, true}, {0o606, true}} {
		secret := write("secret-"+tc.mode.String(), tc.mode)
		o := &cluster.Options{}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		o.Register(fs)
		if err := fs.Parse([]string{"--peers", "n1=127.0.0.1:1", "--secret-file", secret}); err != nil {
			t.Fatal(err)
		}
		if err := o.Resolve(fs); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		tr, err := o.Transport("n1", 1, slog.New(slog.NewTextHandler(&logs, nil)), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = tr.Close()
		if got := strings.Contains(logs.String(), "open to every user"); got != tc.warn {
			t.Errorf("mode %#o: warned %v, want %v:\n%s", tc.mode, got, tc.warn, logs.String())
		}
	}
}
