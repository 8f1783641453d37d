package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// common are the flags of every subcommand.
type common struct {
	cluster.Options
	id      string
	via     string
	viaSet  bool // --via given, rather than the first member by default
	timeout time.Duration
	connect time.Duration
	jsonOut bool
	logs    cluster.LogFlags
}

// register defines them on fs, the flag set of subcommand name.
func (c *common) register(fs *flag.FlagSet, name string) {
	c.Register(fs)
	host, _ := os.Hostname()
	fs.StringVar(&c.id, "id", fmt.Sprintf("ctl-%s-%d", host, os.Getpid()), "this client's node id (unique among connected nodes)")
	fs.StringVar(&c.via, "via", "", "member whose routers resolve the ensemble (default: the first of --peers, or of the config file's peers; if that one cannot be reached, the next listed that can, which ensctl says on stderr)")
	timeout := "deadline of each call"
	switch name {
	case "cast":
		timeout = "how long to wait for the cast to be written out to --via (a cast is not answered)"
	case "bench":
		timeout = fmt.Sprintf("deadline of each call, at most %v (open loop: from the call's scheduled start)", maxBenchTimeout)
	}
	cluster.DurationVar(fs, &c.timeout, "timeout", time.Second, timeout)
	cluster.DurationVar(fs, &c.connect, "connect-timeout", 2*time.Second, "how long to wait for each member's connection to be set up (a member that refuses it, its node down, is not waited for)")
	fs.BoolVar(&c.jsonOut, "json", false, "print JSON")
	c.logs.Register(fs, "error")
}

func (c *common) resolve(fs *flag.FlagSet) error {
	if err := c.Resolve(fs); err != nil {
		return err
	}
	if err := cluster.CheckName("--id", c.id); err != nil {
		return err
	}
	if _, member := c.Peers[router.NodeID(c.id)]; member {
		// The members would refuse it as a duplicate, and it could not reach its own id.
		return fmt.Errorf("%w: --id %s is a member's id in %s; a client needs an id of its own", cluster.ErrUsage, c.id, c.Setting("peers"))
	}
	c.viaSet = c.via != ""
	if c.via == "" {
		c.via = string(c.First())
	}
	if _, ok := c.Peers[router.NodeID(c.via)]; !ok {
		return fmt.Errorf("%w: --via %s is not in %s", cluster.ErrUsage, c.via, c.Setting("peers"))
	}
	if c.timeout <= 0 {
		return fmt.Errorf("%w: --timeout %v: want a positive duration", cluster.ErrUsage, c.timeout)
	}
	if c.timeout == router.Infinity {
		// The router reads the largest duration as no deadline, which it refuses for
		// an ensemble: the call would fail, as if the cluster had.
		return fmt.Errorf("%w: --timeout %v: the largest duration means no deadline at all; want a finite one", cluster.ErrUsage, c.timeout)
	}
	if c.connect <= 0 {
		// No wait at all would fail every dial, and blame a healthy node for it.
		return fmt.Errorf("%w: --connect-timeout %v: want a positive duration", cluster.ErrUsage, c.connect)
	}
	return c.logs.Check()
}

// client is a running client-only node.
type client struct {
	c   *common
	tr  *nettransport.Transport
	drv *driver.Node
}

// dial starts the client node and connects it to every member: answers come straight
// from the leader's node, whichever it is. It waits until each member is connected or
// has failed a dial, at most --connect-timeout; it fails only if --via is not
// connected. Without --via, a first member that is not connected gives way to the
// next listed that is (and stderr says so): any member routes.
func (c *common) dial(ctx context.Context, stderr io.Writer) (*client, error) {
	log := c.logs.Logger(stderr)
	// A credentials file others may read, or a certificate that will be refused, is
	// worth a word whatever --log-level (by default error) says.
	c.CredentialLog = c.logs.LoggerShowing(stderr, slog.LevelWarn)
	inc := driver.NewIncarnation()
	// The nodes compare what ensctl says of its configuration with theirs, and warn of
	// a client configured otherwise (its ensembles, if any, are only a list to drain).
	stated := &statedSettings{}
	tr, err := c.Transport(router.NodeID(c.id), inc, log, func(cfg *nettransport.Config) {
		cfg.Settings = c.Settings(false)
		cfg.OnSettings = stated.set
		// A handshake may take what --connect-timeout gives it, and a second more, so
		// that --connect-timeout ends the wait for a node that does not answer, and
		// says so: under the transport's own 5s, a --connect-timeout of 8s failed at
		// 5s, with a bare "i/o timeout".
		hs := c.connect + time.Second
		if hs < c.connect {
			hs = c.connect // the largest duration
		}
		cfg.HandshakeTimeout = max(nettransport.DefaultHandshakeTimeout, hs)
	})
	// The last of the files the flags name read (--config before, the secrets and TLS
	// files by Transport): a signal from now on is the command's to act on (main).
	cluster.FilesRead()
	if err != nil {
		return nil, err
	}
	drv, err := driver.New(driver.Config{ID: router.NodeID(c.id), Incarnation: inc, Semantics: c.Semantic(),
		Routers: c.Routers, Transport: tr, Logger: log})
	if err != nil {
		_ = tr.Close()
		return nil, fmt.Errorf("%w: %w", cluster.ErrUsage, err)
	}
	tr.Attach(drv)
	cl := &client{c: c, tr: tr, drv: drv}
	cctx, cancel := context.WithTimeout(ctx, c.connect)
	defer cancel()
	var wg sync.WaitGroup
	listed := c.Listed()
	errs := make([]error, len(listed))
	for i, m := range listed {
		wg.Go(func() { errs[i] = tr.Connect(cctx, m) })
	}
	wg.Wait()
	var viaErr error
	var up []string // the members connected, as listed
	for i, m := range listed {
		if m == router.NodeID(c.via) {
			viaErr = errs[i]
		} else if errs[i] == nil {
			up = append(up, string(m))
		}
	}
	if err := ctx.Err(); err != nil && viaErr == nil {
		// A signal came while the other members were awaited: nothing is to be
		// sent now, though --via is connected.
		cl.close()
		return nil, fmt.Errorf("interrupted while connecting: %w", err)
	}
	switch {
	case viaErr == nil:
		c.noteSemantics(ctx, stderr, stated)
		return cl, nil
	case !c.viaSet && len(up) > 0 && ctx.Err() == nil:
		fmt.Fprintf(stderr, "ensctl: the first member, %s, cannot be reached (%v): routing through %s instead (--via chooses)\n", c.via, viaErr, up[0])
		c.via = up[0]
		c.noteSemantics(ctx, stderr, stated)
		return cl, nil
	}
	cl.close()
	others := ""
	switch {
	case ctx.Err() != nil:
	case len(up) > 0:
		others = fmt.Sprintf(" (connected: %s; --via %s routes through another)", strings.Join(up, ", "), up[0])
	case !c.viaSet && len(listed) > 1:
		// The fallback to the next member found none: say so, or the error reads
		// as if only the first was tried.
		var rest []string
		for i, m := range listed {
			if m != router.NodeID(c.via) {
				rest = append(rest, fmt.Sprintf("%s (%v)", m, errs[i]))
			}
		}
		others = fmt.Sprintf("; no other member could be reached either: %s", strings.Join(rest, ", "))
	}
	return nil, fmt.Errorf("cannot reach --via %s: %w%s%s", c.via, viaErr, c.hint(ctx, viaErr), others)
}

// statedSettings are the settings each node stated as it connected
// (nettransport.Config.OnSettings).
type statedSettings struct {
	mu sync.Mutex
	m  map[router.NodeID][]byte
}

func (s *statedSettings) set(id router.NodeID, _ router.Incarnation, settings []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[router.NodeID][]byte{}
	}
	s.m[id] = settings
}

func (s *statedSettings) get(id router.NodeID) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[id]
	return b, ok
}

// settingsWait bounds how long noteSemantics waits for --via's settings, which a node
// sends as soon as the connection is up, right behind the handshake (a node of a
// release before them, or a program over the driver that gives none, sends none: a
// run against it waits this long). A note missed on a machine that slow is no harm.
const settingsWait = 20 * time.Millisecond

// noteSemantics says on stderr when --via's heartbeat and this client's do not fit
// (cluster.PingProblem), and when --via runs other semantics than this client's
// --semantics: the nodes warn of such a client in their logs alone, and what ensctl
// makes of a failure (a timeout under riak, where ensroute's semantics name the
// problem) follows its own --semantics, so a client left at default against a riak
// cluster explained failures as default's and drained as default's.
func (c *common) noteSemantics(ctx context.Context, stderr io.Writer, stated *statedSettings) {
	via := router.NodeID(c.via)
	deadline := time.Now().Add(settingsWait)
	theirs, ok := stated.get(via)
	for !ok && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
		theirs, ok = stated.get(via)
	}
	if problem := cluster.PingProblem(string(via), c.Settings(false), theirs, "this client"); problem != "" {
		// The node warns of it in its log alone: the call may fail as the connection
		// is dropped, and the operator at ensctl is the one to be told.
		fmt.Fprintf(stderr, "ensctl: note: --via %s: %s\n", via, problem)
	}
	for _, d := range cluster.DiffSettings(c.Settings(false), theirs) {
		if d.Key == "semantics" {
			fmt.Fprintf(stderr, "ensctl: note: --via %s runs --semantics %s, and this client %s: what ensctl makes of a failure follows its own; give it the cluster's (--semantics %s, or --config)\n",
				via, d.Theirs, d.Ours, d.Theirs)
		}
	}
}

// hint says what most likely went wrong with a connection that failed with err, and
// what to change: "" when nothing is known.
func (c *common) hint(ctx context.Context, err error) string {
	var unknownCA x509.UnknownAuthorityError
	var wrongHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	var refused *nettransport.RefusedError
	msg := err.Error()
	switch {
	case errors.As(err, &refused) && refused.Code == nettransport.RefuseCluster:
		return fmt.Sprintf(" (set %s to the nodes' cluster name)", c.Setting("cluster"))
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return fmt.Sprintf(" (no answer within --connect-timeout %v: is the node running, and not stopped or overloaded? A longer --connect-timeout waits for it)", c.connect)
	case errors.As(err, &unknownCA) && c.TLSCA == "":
		return " (the node's certificate is not signed by a CA this system trusts: give ensctl --tls-ca with the CA that signed the nodes' certificates)"
	case errors.As(err, &unknownCA):
		return " (the node's certificate is not signed by the CA in --tls-ca)"
	case errors.As(err, &wrongHost):
		return " (the node's certificate does not name the host --peers dials it at: its certificate needs that name or IP address)"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return " (the node's certificate has expired or is not valid yet, or this machine's clock is wrong: the node's certificate needs renewing)"
	case strings.Contains(msg, "tls: expired certificate"):
		// The node's TLS alert, which names no side: its verdict on ensctl's certificate.
		return " (the node refused ensctl's certificate as expired or not valid yet, or the node's clock is wrong: give ensctl --tls-cert and --tls-key of a current one)"
	case strings.Contains(msg, "tls: certificate required"), strings.Contains(msg, "tls: unknown certificate authority"),
		strings.Contains(msg, "tls: bad certificate"):
		// The node's TLS alert, which crypto/tls reports only as text.
		return " (the node refused ensctl's certificate: with --tls-ca it accepts only certificates its CA signed; give ensctl --tls-cert and --tls-key of one)"
	}
	return c.tlsHint(err)
}

// tlsHint names the flags to fix when err says that the node hung up at the start of
// the handshake: most likely the nodes use TLS and ensctl does not, or the reverse.
func (c *common) tlsHint(err error) string {
	switch {
	case !errors.Is(err, nettransport.ErrHungUp):
		return ""
	case c.TLSCert == "":
		return " (if the nodes run with --tls-cert and --tls-key, give ensctl the same flags, and --tls-ca if they have it)"
	}
	return " (if the nodes run without --tls-cert, run ensctl without the TLS flags too)"
}

func (cl *client) close() {
	_ = cl.drv.Close()
	_ = cl.tr.Close()
}

// call makes one call with the --timeout deadline. ctx may end it earlier; bench
// passes context.Background(), so that a caller waits on its completion alone, and
// checks its own context between calls.
func (cl *client) call(ctx context.Context, t router.Target, event []byte) (router.Result, time.Duration) {
	start := time.Now()
	res, _ := cl.drv.CallTimeout(ctx, t, event, cl.c.timeout)
	return res, time.Since(start)
}

// checkSize refuses an event that could not travel in one frame (the nodes' limit,
// nettransport.DefaultMaxFrame): the message from this client to --via, the one a
// node passes on to the leader's peer, or the leader's answer, should the peer answer
// with the event itself (echo). The transport would refuse it too, but only once the
// client is connected, and a node on the way could not say why. The message's numbers
// are taken at their largest, so that their encoding is the longest; under riak a
// follower's forward and the leader's answer to it name a worker besides.
func (c *common) checkSize(cmd, ens string, event []byte) error {
	id, e := router.NodeID(c.id), router.EnsembleID(ens)
	call := router.CallID{Node: id, Incarnation: math.MaxUint64, Seq: math.MaxUint64}
	var worker uint64
	if c.Semantics == "riak" {
		worker = math.MaxUint64
	}
	size := 0
	for _, m := range []router.Message{
		{Kind: router.KindRoute, From: id, Instance: c.Routers - 1, Call: call, Ensemble: e, Event: event, Budget: c.timeout, Hops: math.MaxInt32},
		{Kind: router.KindPeer, From: id, Call: call, Ensemble: e, Peer: c.longestPeer(e), Event: event, Budget: c.timeout, Hops: math.MaxInt32, Worker: worker},
		{Kind: router.KindReply, From: id, Call: call, Peer: c.longestPeer(e), Result: event, Hops: math.MaxInt32, Worker: worker},
	} {
		size = max(size, len(nettransport.AppendMessage(nil, &m)))
	}
	if size > nettransport.DefaultMaxFrame {
		return fmt.Errorf("%w: %s: the event is %d bytes, too large to send: with the rest of its message it makes a frame of up to %d bytes, and a frame holds at most %d bytes (1 MiB)",
			cluster.ErrUsage, cmd, len(event), size, nettransport.DefaultMaxFrame)
	}
	return nil
}

// longestPeer is the member of ensemble e on the member with the longest id: the
// longest peer reference a message about e may carry.
func (c *common) longestPeer(e router.EnsembleID) router.PeerRef {
	var node router.NodeID
	for _, m := range c.Members() {
		if len(m) > len(node) {
			node = m
		}
	}
	return cluster.PeerRef(e, node)
}

func (cl *client) ensemble(e string) router.Target {
	return router.ToEnsemble(router.EnsembleID(e)).Through(router.NodeID(cl.c.via))
}
