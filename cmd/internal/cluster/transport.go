package cluster

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// Transport builds the transport of node id from the options: the secret, the TLS
// files, and the addresses of every member but id itself. edit, if not nil, adjusts
// the config first (a program's own flags).
func (o *Options) Transport(id router.NodeID, inc router.Incarnation, log *slog.Logger, edit func(*nettransport.Config)) (*nettransport.Transport, error) {
	cr, err := o.Credentials()
	if err != nil {
		return nil, err
	}
	peers := map[router.NodeID]string{}
	for p, addr := range o.Peers {
		if p != id {
			peers[p] = addr
		}
	}
	cfg := nettransport.Config{ID: id, Incarnation: inc, Cluster: o.Cluster, Secret: cr.Secret, AcceptSecrets: cr.AcceptSecrets,
		ServerTLS: cr.ServerTLS, ClientTLS: cr.ClientTLS, Peers: peers, Logger: log}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := nettransport.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	o.warnCertificate(tr, log)
	return tr, nil
}

// Credentials reads the files of --secret-file, --accept-secret-file, and --tls-cert,
// --tls-key and --tls-ca. Errors name the flag or the file.
func (o *Options) Credentials() (nettransport.Credentials, error) {
	var cr nettransport.Credentials
	var err error
	if cr.Secret, err = o.Secret(); err != nil {
		return cr, err
	}
	if cr.AcceptSecrets, err = o.AcceptSecrets(); err != nil {
		return cr, err
	}
	if o.TLSCert != "" {
		if cr.ServerTLS, cr.ClientTLS, err = nettransport.LoadTLS(o.TLSCert, o.TLSKey, o.TLSCA); err != nil {
			return cr, fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}
	return cr, nil
}

// ReloadCredentials reads the credentials' files again (Credentials) and makes them
// tr's, for the handshakes to come: a node does it at SIGHUP, to take a new secret or
// a renewed certificate without a restart. On an error tr keeps those it had.
func (o *Options) ReloadCredentials(tr *nettransport.Transport, log *slog.Logger) error {
	cr, err := o.Credentials()
	if err != nil {
		return err
	}
	if err := tr.SetCredentials(cr); err != nil {
		return err
	}
	o.warnCertificate(tr, log)
	return nil
}

// warnCertificate warns if the certificate tr presents has expired or is not valid
// yet.
func (o *Options) warnCertificate(tr *nettransport.Transport, log *slog.Logger) {
	if c := tr.Certificate(); c != nil {
		if problem := CertificateProblem(c, time.Now()); problem != "" {
			log.Warn(problem, "tls_cert", o.TLSCert, "not_before", c.NotBefore.UTC(), "not_after", c.NotAfter.UTC())
		}
	}
}

// CertificateProblem says what is wrong with the validity period of c, a node's own
// certificate, at now: "" when nothing is. A node starts anyway (its own clock may be
// the one that is wrong), but the other nodes will most likely refuse it.
func CertificateProblem(c *x509.Certificate, now time.Time) string {
	switch {
	case now.After(c.NotAfter):
		return fmt.Sprintf("the TLS certificate expired %s ago: the other nodes will refuse it (renew it: a node takes the renewed files at SIGHUP)", now.Sub(c.NotAfter).Round(time.Second))
	case now.Before(c.NotBefore):
		return fmt.Sprintf("the TLS certificate is not valid for another %s: the other nodes will refuse it until then (or is this machine's clock behind?)", c.NotBefore.Sub(now).Round(time.Second))
	}
	return ""
}
