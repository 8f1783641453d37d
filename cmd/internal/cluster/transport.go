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
	secret, err := o.Secret()
	if err != nil {
		return nil, err
	}
	accept, err := o.AcceptSecrets()
	if err != nil {
		return nil, err
	}
	peers := map[router.NodeID]string{}
	for p, addr := range o.Peers {
		if p != id {
			peers[p] = addr
		}
	}
	cfg := nettransport.Config{ID: id, Incarnation: inc, Cluster: o.Cluster, Secret: secret, AcceptSecrets: accept, Peers: peers, Logger: log}
	if o.TLSCert != "" {
		cfg.ServerTLS, cfg.ClientTLS, err = nettransport.LoadTLS(o.TLSCert, o.TLSKey, o.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := nettransport.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if c := tr.Certificate(); c != nil {
		if problem := CertificateProblem(c, time.Now()); problem != "" {
			log.Warn(problem, "tls_cert", o.TLSCert, "not_before", c.NotBefore.UTC(), "not_after", c.NotAfter.UTC())
		}
	}
	return tr, nil
}

// CertificateProblem says what is wrong with the validity period of c, a node's own
// certificate, at now: "" when nothing is. A node starts anyway (its own clock may be
// the one that is wrong), but the other nodes will most likely refuse it.
func CertificateProblem(c *x509.Certificate, now time.Time) string {
	switch {
	case now.After(c.NotAfter):
		return fmt.Sprintf("the TLS certificate expired %s ago: the other nodes will refuse it (renew it, then restart)", now.Sub(c.NotAfter).Round(time.Second))
	case now.Before(c.NotBefore):
		return fmt.Sprintf("the TLS certificate is not valid for another %s: the other nodes will refuse it until then (or is this machine's clock behind?)", c.NotBefore.Sub(now).Round(time.Second))
	}
	return ""
}
