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

// TestCredentialsOpenToEveryUserWarned: a secret file (or an accepted secret, or the
// TLS key) that every user of the machine may read is warned of, naming the flag,
// the file and its mode, when the transport is built and again at each reload, so
// that a node started from a walkthrough's `... > cluster.secret` (mode 0644 under
// the usual umask) says so; a file readable by the owner alone, or by its group too
// (a service's group), is not.
func TestCredentialsOpenToEveryUserWarned(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("long-enough-secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // not subject to the umask
			t.Fatal(err)
		}
		return p
	}
	open := write("open.secret", 0o644)
	group := write("group.secret", 0o640)
	private := write("private.secret", 0o600)
	writable := write("writable.secret", 0o602)
	o := &cluster.Options{}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o.Register(fs)
	if err := fs.Parse([]string{"--peers", "n1=127.0.0.1:1", "--secret-file", open,
		"--accept-secret-file", group, "--accept-secret-file", private, "--accept-secret-file", writable}); err != nil {
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
	defer tr.Close()
	check := func(when string) {
		got := logs.String()
		for _, want := range []string{"flag=--secret-file file=" + open + " mode=0644", "flag=--accept-secret-file file=" + writable + " mode=0602"} {
			if !strings.Contains(got, "level=WARN msg=\"a credentials file is open to every user of this machine") || !strings.Contains(got, want) {
				t.Errorf("%s: no warning with %q in:\n%s", when, want, got)
			}
		}
		for _, quiet := range []string{group, private} {
			if strings.Contains(got, quiet) {
				t.Errorf("%s: %s warned of:\n%s", when, quiet, got)
			}
		}
		if n := strings.Count(got, "open to every user"); n != 2 {
			t.Errorf("%s: %d warnings, want 2:\n%s", when, n, got)
		}
	}
	check("start")
	logs.Reset()
	if err := o.ReloadCredentials(tr, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	check("reload")
	if err := os.Chmod(open, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(writable, 0o600); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	if err := o.ReloadCredentials(tr, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("after chmod 600, a reload logs:\n%s", logs.String())
	}
}
