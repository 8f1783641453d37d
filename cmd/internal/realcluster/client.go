package realcluster

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// Client is a client-only node in this process (as ensctl runs one): it calls the
// cluster's ensembles through its members. It is a load.Caller.
type Client struct {
	*driver.Node
	Transport *nettransport.Transport
	c         *Cluster
}

// Client starts a client-only node named id, connects it to every running member
// (at most until ctx ends) and returns it; log receives its transport's events
// (nil: discarded).
func (c *Cluster) Client(ctx context.Context, id string, log *slog.Logger) (*Client, error) {
	secret, err := os.ReadFile(c.secret)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	peers := map[router.NodeID]string{}
	for _, n := range c.nodes {
		peers[router.NodeID(n.ID)] = n.Addr
	}
	inc := router.Incarnation(time.Now().UnixNano())
	cfg := nettransport.Config{ID: router.NodeID(id), Incarnation: inc, Cluster: "ensroute",
		Secret: bytes.TrimSpace(secret), Peers: peers, Dial: c.cfg.Dial, Logger: log,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 200 * time.Millisecond}
	if c.cfg.ClientTransport != nil {
		c.cfg.ClientTransport(&cfg)
	}
	tr, err := nettransport.New(cfg)
	if err != nil {
		return nil, err
	}
	drv, err := driver.New(driver.Config{ID: router.NodeID(id), Incarnation: inc, Transport: tr, Logger: log})
	if err != nil {
		_ = tr.Close()
		return nil, err
	}
	tr.Attach(drv)
	cl := &Client{Node: drv, Transport: tr, c: c}
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for i, n := range c.nodes {
		if !n.Running() {
			continue
		}
		wg.Go(func() { errs[i] = tr.Connect(ctx, router.NodeID(n.ID)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			cl.Close()
			return nil, err
		}
	}
	return cl, nil
}

// WaitConnected waits until the client is connected to every node of the cluster
// that is running, or ctx ends. After a node restarts, the cluster's nodes may be
// connected to it (Cluster.WaitConnected) before the client has redialed it (its
// backoff runs up to 200ms, more on a busy machine); until then a call the client
// sends to that node fails at once, unreachable.
func (cl *Client) WaitConnected(ctx context.Context) error {
	return Eventually(ctx, 5*time.Millisecond, func() (bool, string) {
		for _, n := range cl.c.nodes {
			if n.Running() && !cl.Transport.Connected(router.NodeID(n.ID)) {
				return false, "the client is not connected to " + n.ID
			}
		}
		return true, ""
	})
}

// Lead makes the member of ensemble e on node the leader (the demo peer's "lead"
// event); its node spreads the news. A member that answers other than "ok ..." did
// not take the lead (it took a newer entry meanwhile, say): that is an error too.
func (cl *Client) Lead(ctx context.Context, e, node string) error {
	ref := router.PeerRef{Ensemble: router.EnsembleID(e), Name: node, Node: router.NodeID(node)}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	res, err := cl.Call(ctx, router.ToPeer(ref), []byte("lead"))
	switch {
	case err != nil:
		return fmt.Errorf("lead %s on %s: %w", e, node, err)
	case !kv.LeadTaken(res.Value):
		return fmt.Errorf("lead %s on %s: the member did not take the lead: %s", e, node, res.Value)
	}
	return nil
}

// Close stops the client node and its transport, and waits for their goroutines.
func (cl *Client) Close() {
	_ = cl.Node.Close()
	_ = cl.Transport.Close()
}
