package cluster_test

import (
	"bytes"
	"crypto/x509"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestCertificateOfAnotherCAWarned: a node given --tls-ca whose own certificate that
// CA did not sign starts, but warns at once that the other nodes (given the same
// bundle) will refuse it, rather than leave each of them to refuse it at its first
// dial; and so for a certificate whose extended key usage does not allow it for
// servers, or for clients (with --tls-ca every node checks the certificate of each
// node that dials it). A certificate the CA signed for both, or one without
// --tls-ca, is not warned of; nor one for clients alone on a client (ensctl), which
// no node dials.
func TestCertificateOfAnotherCAWarned(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	caA, _ := testcerts.Write(t, dirA, "n1"), testcerts.Write(t, dirB, "n1")
	serverOnly, serverOnlyCA := writeOneUse(t, t.TempDir(), x509.ExtKeyUsageServerAuth)
	clientOnly, clientOnlyCA := writeOneUse(t, t.TempDir(), x509.ExtKeyUsageClientAuth)
	for _, tc := range []struct {
		name, cert, key, ca string
		id                  string // the node's id; n1, a member, if ""
		want                string // "" for no warning
	}{
		{name: "signed by the CA", cert: filepath.Join(dirA, "n1.pem"), key: filepath.Join(dirA, "n1.key"), ca: caA},
		{name: "no CA", cert: filepath.Join(dirB, "n1.pem"), key: filepath.Join(dirB, "n1.key")},
		{name: "another CA", cert: filepath.Join(dirB, "n1.pem"), key: filepath.Join(dirB, "n1.key"), ca: caA,
			want: "the TLS certificate is not signed by a CA of --tls-ca: the other nodes, given the same bundle, will refuse it"},
		{name: "for servers only", cert: serverOnly + ".pem", key: serverOnly + ".key", ca: serverOnlyCA,
			want: "the TLS certificate's extended key usage does not allow it for clients (clientAuth)"},
		{name: "for clients only", cert: clientOnly + ".pem", key: clientOnly + ".key", ca: clientOnlyCA,
			want: "the TLS certificate's extended key usage does not allow it for servers (serverAuth): the other nodes, which dial this one, will refuse it"},
		{name: "for clients only, on a client", cert: clientOnly + ".pem", key: clientOnly + ".key", ca: clientOnlyCA, id: "ctl-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--peers", "n1=127.0.0.1:1", "--tls-cert", tc.cert, "--tls-key", tc.key}
			if tc.ca != "" {
				args = append(args, "--tls-ca", tc.ca)
			}
			o, err := resolveWith(t, "long-enough-secret", args...)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			id := router.NodeID("n1")
			if tc.id != "" {
				id = router.NodeID(tc.id)
			}
			tr, err := o.Transport(id, 1, slog.New(slog.NewTextHandler(&buf, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			got := buf.String()
			switch {
			case tc.want == "" && strings.Contains(got, "level=WARN"):
				t.Fatalf("warned:\n%s", got)
			case tc.want != "" && (!strings.Contains(got, "level=WARN") || !strings.Contains(got, tc.want) || !strings.Contains(got, "tls_ca=")):
				t.Fatalf("log:\n%s\nwant a warning with %q and the CA file", got, tc.want)
			}
			// The same at a reload (SIGHUP).
			if tc.want != "" {
				buf.Reset()
				if err := o.ReloadCredentials(tr, slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(buf.String(), tc.want) {
					t.Fatalf("reload log:\n%s\nwant %q", buf.String(), tc.want)
				}
			}
		})
	}
	if got := cluster.ChainProblem(nil, time.Now(), true); got != "" {
		t.Errorf("without TLS: %q", got)
	}
	s, _, err := nettransport.LoadTLS(filepath.Join(dirB, "n1.pem"), filepath.Join(dirB, "n1.key"), caA)
	if err != nil {
		t.Fatal(err)
	}
	if got := cluster.ChainProblem(s, time.Now().Add(48*time.Hour), true); got != "" {
		t.Errorf("a certificate not valid at the time given: %q, want nothing (CertificateProblem says it)", got)
	}
}

// writeOneUse writes a CA and a certificate it signed for one use only (its extended
// key usage: serverAuth alone, as many CAs issue them, or clientAuth alone), for
// 127.0.0.1, and returns the certificate's path without its extension and the CA's
// path.
func writeOneUse(t *testing.T, dir string, use x509.ExtKeyUsage) (leaf, ca string) {
	t.Helper()
	ca = testcerts.WriteFor(t, dir, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), []x509.ExtKeyUsage{use}, "n1")
	return filepath.Join(dir, "n1"), ca
}
