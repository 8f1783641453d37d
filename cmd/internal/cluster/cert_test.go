package cluster_test

import (
	"crypto/x509"
	"net"
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

func TestHostProblem(t *testing.T) {
	c := &x509.Certificate{DNSNames: []string{"n1.example"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}}
	for _, tc := range []struct {
		name, host, want string
	}{
		{name: "DNS name", host: "n1.example"},
		{name: "IP address", host: "10.0.0.1"},
		{name: "another name", host: "n2.example", want: "the TLS certificate does not name n2.example, this node's host in --peers, which the other nodes dial"},
		{name: "another address", host: "10.0.0.2", want: "does not name 10.0.0.2"},
	} {
		got := cluster.HostProblem(c, tc.host, "--peers")
		if tc.want == "" && got != "" || !strings.HasPrefix(got, "the TLS") && tc.want != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := cluster.CertificateNames(c); got != "n1.example,10.0.0.1" {
		t.Errorf("names %q", got)
	}
	if got := cluster.CertificateNames(&x509.Certificate{}); !strings.HasPrefix(got, "none (common name") {
		t.Errorf("names of a certificate with none: %q", got)
	}
}
