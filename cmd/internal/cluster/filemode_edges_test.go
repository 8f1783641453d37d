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
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestCredentialsOpenToEveryUserWarned: a secret file (or an accepted secret, or the
// TLS key) that every user of the machine may read is warned of, naming the flag,
// the file and its mode, when the transport is built and again at each reload, so
// that a node started from a walkthrough's `... > cluster.secret` (mode 0644 under
// the usual umask) says so; a file readable by the owner alone, or by its group too
// (a service's group), is not.
func TestCredentialsOpenToEveryUserWarned(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string { return writeSecretMode(t, dir, name, mode) }
	open := write("open.secret", 0o644)
	group := write("group.secret", 0o640)
	private := write("private.secret", 0o600)
	writable := write("writable.secret", 0o602)
	var logs bytes.Buffer
	o, tr := transportOf(t, &logs, "--secret-file", open,
		"--accept-secret-file", group, "--accept-secret-file", private, "--accept-secret-file", writable)
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

// TestCredentialsExecutableByOthersNotWarned: the warning is for a credentials file
// every user may read or write, as it says; one whose other users may only execute it
// (mode 0601, 0701) is neither, and is not warned of, while 0604 and 0606 are.
func TestCredentialsExecutableByOthersNotWarned(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o601, false}, {0o701, false}, {0o604, true}, {0o606, true}} {
		secret := writeSecretMode(t, dir, "secret-"+tc.mode.String(), tc.mode)
		var logs bytes.Buffer
		_, tr := transportOf(t, &logs, "--secret-file", secret)
		_ = tr.Close()
		if got := strings.Contains(logs.String(), "open to every user"); got != tc.warn {
			t.Errorf("mode %#o: warned %v, want %v:\n%s", tc.mode, got, tc.warn, logs.String())
		}
	}
}

// writeSecretMode writes a secret file named name in dir with mode (set after the
// write, so not subject to the umask), and returns its path.
func writeSecretMode(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// transportOf resolves the flags args (with --peers n1=127.0.0.1:1 before them) and
// builds n1's transport from them, logging to logs.
func transportOf(t *testing.T, logs *bytes.Buffer, args ...string) (*cluster.Options, *nettransport.Transport) {
	t.Helper()
	o := &cluster.Options{}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o.Register(fs)
	if err := fs.Parse(append([]string{"--peers", "n1=127.0.0.1:1"}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := o.Resolve(fs); err != nil {
		t.Fatal(err)
	}
	tr, err := o.Transport("n1", 1, slog.New(slog.NewTextHandler(logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return o, tr
}
