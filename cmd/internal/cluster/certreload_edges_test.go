package cluster_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestReloadRefusesInvalidCertificate: a reload (SIGHUP) whose files hold a
// certificate that has expired, or is not valid yet, in place of one valid now is
// refused with an error that names the file, says what is wrong and that the
// certificate in use is kept, and the transport goes on presenting the one it had;
// so is one whose key does not match it, or whose file is missing. A valid certificate
// is taken; and so is any certificate in place of one that is itself no longer
// valid (nothing is lost, and the clock may be this machine's), with a warning.
func TestReloadRefusesInvalidCertificate(t *testing.T) {
	now := time.Now()
	valid := func(t *testing.T) string { return writeCertDir(t, now.Add(-time.Hour), now.Add(time.Hour)) }
	expired := func(t *testing.T) string { return writeCertDir(t, now.Add(-2*time.Hour), now.Add(-time.Hour)) }
	notYet := func(t *testing.T) string { return writeCertDir(t, now.Add(time.Hour), now.Add(2*time.Hour)) }
	for _, tc := range []struct {
		name      string
		start     func(*testing.T) string
		next      func(*testing.T) string // the directory whose n1.pem and n1.key replace the node's
		keyOf     func(*testing.T) string // if set, the key comes from this directory instead
		missing   bool                    // the certificate file is removed
		want      string                  // the error; "" when the reload is taken
		wantWarn  string                  // a warning of the reload taken
		keepsCurr bool
	}{
		{name: "valid", start: valid, next: valid},
		{name: "expired", start: valid, next: expired, keepsCurr: true,
			want: "the TLS certificate expired "},
		{name: "not valid yet", start: valid, next: notYet, keepsCurr: true,
			want: "the TLS certificate is not valid for another "},
		{name: "key of another certificate", start: valid, next: valid, keyOf: valid, keepsCurr: true,
			want: "private key does not match public key"},
		{name: "file missing", start: valid, next: valid, missing: true, keepsCurr: true,
			want: "no such file or directory"},
		{name: "expired in place of expired", start: expired, next: expired,
			wantWarn: "the TLS certificate expired"},
		{name: "valid in place of expired", start: expired, next: valid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, tr, cert, key := certNode(t, tc.start(t))
			before := tr.Certificate()

			next := tc.next(t)
			copyFile(t, filepath.Join(next, "n1.pem"), cert)
			keyDir := next
			if tc.keyOf != nil {
				keyDir = tc.keyOf(t)
			}
			copyFile(t, filepath.Join(keyDir, "n1.key"), key)
			if tc.missing {
				if err := os.Remove(cert); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			err := o.ReloadCredentials(tr, slog.New(slog.NewTextHandler(&buf, nil)))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("reload: %v, want it taken", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, cluster.ErrUsage) && !errors.Is(err, nettransport.ErrBadConfig)):
				t.Fatalf("reload: %v, want an error with %q", err, tc.want)
			}
			if tc.want != "" && !tc.missing && !strings.Contains(err.Error(), cert) {
				t.Fatalf("reload: %v, want it to name %s", err, cert)
			}
			if tc.keepsCurr && (tc.name == "expired" || tc.name == "not valid yet") && !strings.Contains(err.Error(), "the certificate in use, valid until") {
				t.Fatalf("reload: %v, want it to say the certificate in use is kept", err)
			}
			after := tr.Certificate()
			if kept := after.Equal(before); kept != tc.keepsCurr {
				t.Fatalf("certificate in use kept: %v, want %v (before %v to %v, after %v to %v)", kept, tc.keepsCurr,
					before.NotBefore, before.NotAfter, after.NotBefore, after.NotAfter)
			}
			if tc.wantWarn != "" && !strings.Contains(buf.String(), tc.wantWarn) {
				t.Fatalf("reload log:\n%s\nwant a warning with %q", buf.String(), tc.wantWarn)
			}
		})
	}
}

// TestCASubjects: what a reload logs of the CAs of --tls-ca: each CA of the bundle by
// subject, so that an operator sees the new CA added beside the old, and the old
// removed; "" without a bundle.
func TestCASubjects(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	caA, caB := testcerts.Write(t, dirA, "n1"), testcerts.Write(t, dirB, "n1")
	a, err := os.ReadFile(caA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(caB)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bundle, append(a, b...), 0o600); err != nil {
		t.Fatal(err)
	}
	server, _, err := nettransport.LoadTLS(filepath.Join(dirA, "n1.pem"), filepath.Join(dirA, "n1.key"), bundle)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cluster.CASubjects(server), "CN=test ca; CN=test ca"; got != want {
		t.Fatalf("CASubjects of a bundle of two CAs: %q, want %q", got, want)
	}
	server, _, err = nettransport.LoadTLS(filepath.Join(dirA, "n1.pem"), filepath.Join(dirA, "n1.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := cluster.CASubjects(server); got != "" {
		t.Fatalf("CASubjects without a CA: %q, want \"\"", got)
	}
	if got := cluster.CASubjects((*tls.Config)(nil)); got != "" {
		t.Fatalf("CASubjects(nil): %q", got)
	}
}

// writeCertDir writes a CA and a certificate n1 it signed, valid from notBefore to notAfter,
// in a directory of its own, which it returns.
func writeCertDir(t *testing.T, notBefore, notAfter time.Time) string {
	t.Helper()
	dir := t.TempDir()
	testcerts.WriteValid(t, dir, notBefore, notAfter, "n1")
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// certNode is a node's options and transport started with the certificate and key
// of start (n1.pem, n1.key), copied to files of its own (cert, key) that a test
// replaces before a reload.
func certNode(t *testing.T, start string) (o *cluster.Options, tr *nettransport.Transport, cert, key string) {
	t.Helper()
	node := t.TempDir()
	cert, key = filepath.Join(node, "cert.pem"), filepath.Join(node, "key.pem")
	copyFile(t, filepath.Join(start, "n1.pem"), cert)
	copyFile(t, filepath.Join(start, "n1.key"), key)
	o, err := resolveWith(t, "long-enough-secret", "--peers", "n1=127.0.0.1:1", "--tls-cert", cert, "--tls-key", key)
	if err != nil {
		t.Fatal(err)
	}
	tr, err = o.Transport("n1", 1, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return o, tr, cert, key
}
