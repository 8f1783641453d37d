package cluster

import (
	"fmt"
	"log/slog"

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
	peers := map[router.NodeID]string{}
	for p, addr := range o.Peers {
		if p != id {
			peers[p] = addr
		}
	}
	cfg := nettransport.Config{ID: id, Incarnation: inc, Cluster: o.Cluster, Secret: secret, Peers: peers, Logger: log}
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
	return tr, nil
}
