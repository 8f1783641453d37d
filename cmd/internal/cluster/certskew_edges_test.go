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
			o, tr, cert, key := certNode(t, writeCertDir(t, now.Add(-time.Hour), now.Add(time.Hour)))
			before := tr.Certificate()
			next := writeCertDir(t, tc.notBefore, now.Add(48*time.Hour))
			copyFile(t, filepath.Join(next, "n1.pem"), cert)
			copyFile(t, filepath.Join(next, "n1.key"), key)
			var buf bytes.Buffer
			err := o.ReloadCredentials(tr, slog.New(slog.NewTextHandler(&buf, nil)))
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
