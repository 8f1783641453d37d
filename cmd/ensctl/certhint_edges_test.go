package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestHintExpiredCertificate: a connection that failed on an expired certificate is
// told whose it is, as the transport's own log says (nettransport's
// TestExpiredCertificateHinted makes both errors for real): the node's, which
// crypto/x509 reports as CertificateInvalidError, or ensctl's, which the node refuses
// with a TLS alert that names neither side. Without these cases neither got a hint.
func TestHintExpiredCertificate(t *testing.T) {
	c := &common{}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"the node's certificate expired", fmt.Errorf("connect to n1: tls: failed to verify certificate: %w", x509.CertificateInvalidError{Reason: x509.Expired}),
			"the node's certificate has expired"},
		{"ensctl's certificate expired", errors.New("connect to n1: remote error: tls: expired certificate"),
			"the node refused ensctl's certificate as expired"},
	} {
		if got := c.hint(context.Background(), tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("%s: hint %q, want it to say %q", tc.name, got, tc.want)
		}
	}
}
