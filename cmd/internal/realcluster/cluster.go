package realcluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// Ensemble is one ensemble of the cluster: its members, the first of which leads.
type Ensemble struct {
	ID      string
	Members []string
}

// Config is a cluster to run. Start fills in defaults; Validate changes nothing.
type Config struct {
	// Ensnode is the path of the ensnode program (Build). Required.
	Ensnode string
	// Dir holds the secret and the nodes' logs. Required.
	Dir string
	// Nodes are the member ids; Ensembles the ensembles over them. Both required.
	Nodes     []string
	Ensembles []Ensemble
	// Addr returns a node's cluster and admin addresses. Default: loopback ports that
	// were free a moment ago.
	Addr func(id string) (addr, admin string)
	// Wrap returns the command that runs a node's program (say, "ip netns exec NS");
	// nil or an empty prefix runs it directly.
	Wrap func(id string) []string
	// Dial is how this process reaches the nodes: their admin servers, and the
	// transport of Client. Default: TCP.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Args are more ensnode flags, for every node.
	Args []string
	// ClientTransport, if set, adjusts the transport of each Client after its own
	// settings: a run that gives the nodes a heartbeat or a redial backoff gives the
	// client the same.
	ClientTransport func(*nettransport.Config)
}

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	switch {
	case c.Ensnode == "":
		return fmt.Errorf("%w: Ensnode is empty", ErrBadConfig)
	case c.Dir == "":
		return fmt.Errorf("%w: Dir is empty", ErrBadConfig)
	case len(c.Nodes) == 0:
		return fmt.Errorf("%w: no Nodes", ErrBadConfig)
	}
	return nil
}

func (c *Config) fill() {
	if c.Addr == nil {
		// Free ports drawn at random: a draw may repeat one already handed out,
		// which is still free, so draw again.
		used := map[string]bool{}
		fresh := func() string {
			for {
				if a := FreeAddr(); !used[a] {
					used[a] = true
					return a
				}
			}
		}
		c.Addr = func(string) (string, string) { return fresh(), fresh() }
	}
	if c.Wrap == nil {
		c.Wrap = func(string) []string { return nil }
	}
	if c.Dial == nil {
		d := &net.Dialer{}
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
}

// Cluster is a set of ensnode processes sharing a secret.
type Cluster struct {
	cfg    Config
	nodes  []*Node
	secret string
	http   *http.Client
}

// New prepares a cluster for cfg (the secret file, the addresses) and starts no node.
func New(cfg Config) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	c := &Cluster{cfg: cfg, secret: filepath.Join(cfg.Dir, "cluster.secret")}
	if err := os.WriteFile(c.secret, []byte("reliability-test-secret\n"), 0o600); err != nil {
		return nil, err
	}
	c.http = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) { return cfg.Dial(ctx, addr) },
		// A fresh connection per request: a paused or partitioned node must not hold
		// a pooled one.
		DisableKeepAlives: true,
	}}
	for _, id := range cfg.Nodes {
		addr, admin := cfg.Addr(id)
		c.nodes = append(c.nodes, &Node{ID: id, Addr: addr, Admin: admin, c: c})
	}
	return c, nil
}

// SecretFile is the path of the cluster's secret.
func (c *Cluster) SecretFile() string { return c.secret }

// Nodes returns the nodes, in Config order.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Node returns node id, or nil.
func (c *Cluster) Node(id string) *Node {
	for _, n := range c.nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// Peers is the --peers flag of every node: id=addr,...
func (c *Cluster) Peers() string {
	var p []string
	for _, n := range c.nodes {
		p = append(p, n.ID+"="+n.Addr)
	}
	return strings.Join(p, ",")
}

func (c *Cluster) flags(n *Node) []string {
	args := []string{"--id", n.ID, "--peers", c.Peers(), "--secret-file", c.secret, "--admin", n.Admin}
	for _, e := range c.cfg.Ensembles {
		args = append(args, "--ensemble", e.ID+"="+strings.Join(e.Members, ","))
	}
	return append(args, c.cfg.Args...)
}

// Start starts every node that is not running.
func (c *Cluster) Start() error {
	for _, n := range c.nodes {
		if err := n.Start(); err != nil {
			return err
		}
	}
	return nil
}

// WaitConnected waits until every node in ids (every node if none) answers /healthz
// connected to every other node of ids, or ctx ends. A node of ids whose process has
// exited (it could not bind its port, say) ends the wait at once, with its log.
func (c *Cluster) WaitConnected(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		for _, n := range c.nodes {
			ids = append(ids, n.ID)
		}
	}
	var dead *Node
	err := Eventually(ctx, 20*time.Millisecond, func() (bool, string) {
		for _, id := range ids {
			n := c.Node(id)
			if n == nil {
				return false, "no node " + id
			}
			if !n.Running() {
				dead = n
				return true, ""
			}
			h, err := n.Health(ctx)
			if err != nil {
				return false, err.Error()
			}
			for _, other := range ids {
				if other != id && !h.Connected(other) {
					return false, fmt.Sprintf("%s not connected to %s", id, other)
				}
			}
		}
		return true, ""
	})
	if dead != nil {
		return fmt.Errorf("%s is not running:\n%s", dead.ID, dead.Log())
	}
	return err
}

// Close kills every node still running. It does not wait for SIGTERM: a test that
// checks clean exits calls Node.Term first.
func (c *Cluster) Close() {
	for _, n := range c.nodes {
		_ = n.Resume()
		_ = n.Kill()
	}
	c.http.CloseIdleConnections()
}

// Eventually polls cond every interval until it holds or ctx ends; the error then
// carries cond's last explanation from before ctx ended (one given as ctx ended, by a
// cond cut short by it, only if there is no other).
func Eventually(ctx context.Context, every time.Duration, cond func() (bool, string)) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	last := ""
	for {
		ok, why := cond()
		if ok {
			return nil
		}
		if last == "" || ctx.Err() == nil {
			last = why
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("%w; last: %s", ctx.Err(), last)
		}
	}
}
