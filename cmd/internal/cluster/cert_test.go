package cluster_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

func TestCertificateProblem(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                string
		notBefore, notAfter time.Time
		want                string
	}{
		{name: "valid", notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour)},
		{name: "valid to the second", notBefore: now, notAfter: now},
		{name: "expired", notBefore: now.Add(-48 * time.Hour), notAfter: now.Add(-90 * time.Minute), want: "the TLS certificate expired 1h30m0s ago: the other nodes will refuse it"},
		{name: "not yet valid", notBefore: now.Add(10 * time.Minute), notAfter: now.Add(time.Hour), want: "the TLS certificate is not valid for another 10m0s"},
	} {
		got := cluster.CertificateProblem(&x509.Certificate{NotBefore: tc.notBefore, NotAfter: tc.notAfter}, now)
		if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
