package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
	"time"
)

// ReloadedCertificateProblem refuses, at a reload, a certificate (the first of next,
// the ServerTLS read again) that has expired or is not valid yet at now when the one
// in use (cur) is valid: taking it would have the other nodes refuse this node from
// its next connection on, where keeping the one in use loses nothing. The error
// (ErrUsage) names the file, says what is wrong and until when the certificate in use
// is valid. A certificate in use that is itself not valid at now is replaced anyway,
// with the warning a start gives (warnCertificate): nothing is lost, and the clock
// that disagrees may be this machine's. So is one valid within ReloadSkew from now:
// issued on a machine whose clock runs a little ahead, and the SIGHUP sent at once,
// as a renewal's hook does, refused it would leave the node with the old certificate
// until that expired, where the skew passes in seconds. nil without TLS.
func (o *Options) ReloadedCertificateProblem(cur *x509.Certificate, next *tls.Config, now time.Time) error {
	if cur == nil || next == nil || len(next.Certificates) == 0 || len(next.Certificates[0].Certificate) == 0 {
		return nil
	}
	if CertificateProblem(cur, now) != "" {
		return nil
	}
	c := next.Certificates[0].Leaf
	if c == nil {
		var err error
		if c, err = x509.ParseCertificate(next.Certificates[0].Certificate[0]); err != nil {
			return nil // LoadTLS parsed it; nothing to add
		}
	}
	problem := CertificateProblem(c, now)
	if problem == "" || now.Before(c.NotBefore) && c.NotBefore.Sub(now) <= ReloadSkew {
		return nil
	}
	return fmt.Errorf("%w: --tls-cert %s is valid from %s to %s: %s; the certificate in use, valid until %s, is kept",
		ErrUsage, o.TLSCert, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), problem,
		cur.NotAfter.UTC().Format(time.RFC3339))
}

// ReloadSkew is how far ahead of this machine's clock a reloaded certificate's
// NotBefore may be and the certificate still be taken (with a warning): the skew
// between the clocks of the machine that issued it and this one.
const ReloadSkew = 5 * time.Minute

// CASubjects lists the CAs of server's bundle (its ClientCAs, from --tls-ca), by
// subject, separated by "; ": what a reload logs, so that an operator who adds a new
// CA beside the old, or removes the old, sees the bundle the node now trusts. "" without
// a bundle.
func CASubjects(server *tls.Config) string {
	if server == nil || server.ClientCAs == nil {
		return ""
	}
	//lint:ignore SA1019 the pool is LoadTLS's, built with AddCert alone, which Subjects lists in full (the deprecation is about system pools)
	raw := server.ClientCAs.Subjects()
	names := make([]string, 0, len(raw))
	for _, der := range raw {
		var rdn pkix.RDNSequence
		if _, err := asn1.Unmarshal(der, &rdn); err != nil {
			names = append(names, "(a subject that does not parse)")
			continue
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		names = append(names, n.String())
	}
	return strings.Join(names, "; ")
}
