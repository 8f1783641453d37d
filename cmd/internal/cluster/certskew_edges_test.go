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
)

// TestReloadTakesCertificateFromSkewedClock: a renewed certificate whose NotBefore is
// a few seconds ahead of this machine's clock (issued on a machine whose clock runs
// ahead, and the SIGHUP sent at once, as a renewal's hook does) is taken, with the
// warning a start gives: refused, the node would keep the old certificate until it
// expired, where the clocks' skew passes in seconds. One not valid for another hour
// is still refused.
func TestReloadTakesCertificateFromSkewedClock(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name      string
		notBefore time.Time
		taken     bool
	}{
		// A certificate's times are whole seconds: two seconds ahead is one at least.
		{"seconds ahead", now.Add(2 * time.Second), true},
		{"thirty seconds ahead", now.Add(30 * time.Second), true},
		{"an hour ahead", now.Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := t.TempDir()
			cert, key := filepath.Join(node, "cert.pem"), filepath.Join(node, "key.pem")
			start := writeCertDir(t, now.Add(-time.Hour), now.Add(time.Hour))
			copyFile(t, filepath.Join(start, "n1.pem"), cert)
			copyFile(t, filepath.Join(start, "n1.key"), key)
			o, err := resolveWith(t, "long-enough-secret", "--peers", "n1=127.0.0.1:1", "--tls-cert", cert, "--tls-key", key)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := o.Transport("n1", 1, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			before := tr.Certificate()
			next := writeCertDir(t, tc.notBefore, now.Add(48*time.Hour))
			copyFile(t, filepath.Join(next, "n1.pem"), cert)
			copyFile(t, filepath.Join(next, "n1.key"), key)
			var buf bytes.Buffer
			err = o.ReloadCredentials(tr, slog.New(slog.NewTextHandler(&buf, nil)))
			taken := !tr.Certificate().Equal(before)
			if tc.taken {
				if err != nil || !taken {
					t.Fatalf("reload of a certificate valid from %v (now %v): err %v, taken %v; want it taken", tc.notBefore, now, err, taken)
				}
				if !strings.Contains(buf.String(), "is not valid for another") {
					t.Fatalf("reload log:\n%s\nwant the warning of a certificate not valid yet", buf.String())
				}
				return
			}
			if err == nil || taken || !strings.Contains(err.Error(), "not valid for another") {
				t.Fatalf("reload of a certificate valid from %v: err %v, taken %v; want it refused", tc.notBefore, err, taken)
			}
		})
	}
}

// TestCertificateProblemSubSecond: a certificate valid in less than a second says so,
// not "not valid for another 0s".
func TestCertificateProblemSubSecond(t *testing.T) {
	now := time.Now()
	c := &x509.Certificate{NotBefore: now.Add(300 * time.Millisecond), NotAfter: now.Add(time.Hour)}
	if got := cluster.CertificateProblem(c, now); !strings.Contains(got, "not valid for another 300ms") {
		t.Fatalf("CertificateProblem of one valid in 300ms: %q", got)
	}
}
