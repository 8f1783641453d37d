package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/internal/buildinfo"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// The bounds of --peer-rate.
const (
	minPeerRate = 0.001
	maxPeerRate = 1_000_000_000
)

type options struct {
	cluster.Options
	id       string
	version  bool
	listen   string // the address the node listens on: --listen, or its address in --peers (checkShape)
	admin    string
	logs     cluster.LogFlags
	peerRate float64 // 0, or minPeerRate..maxPeerRate
	skip     bool
	mailbox  int
	service  time.Duration
	// handshakes bounds the handshakes in progress on the listener
	// (nettransport.Config.MaxHandshakes).
	handshakes int
	// replyHold is nettransport.Config.ReplyHold, with 0 for none.
	replyHold time.Duration
	// listenFlag is --listen as given, "" for the node's address in --peers.
	listenFlag string
	// noGoodbye stops without the goodbye, as before it existed: tests only, to show
	// what it prevents.
	noGoodbye bool
}

// parse parses ensnode's flags; -h prints the usage and the flags to help (run's
// stdout) and returns flag.ErrHelp.
func parse(args []string, help io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ensnode", flag.ContinueOnError)
	fs.StringVar(&o.id, "id", "", "this node's id, one of --peers; required")
	fs.BoolVar(&o.version, "version", false, "print the code this binary runs (module version, revision, Go release) and exit")
	fs.StringVar(&o.listenFlag, "listen", "", "address to accept cluster connections on (default: this node's address in --peers)")
	fs.StringVar(&o.admin, "admin", "127.0.0.1:9100", "admin HTTP address (/metrics, /healthz, /readyz, /debug/pprof); empty turns it off")
	o.logs.Register(fs, "info")
	fs.Float64Var(&o.peerRate, "peer-rate", 0, "demo peers: serve at most this many requests a second, one at a time from a queue (0: each at once)")
	fs.BoolVar(&o.skip, "peer-skip-expired", true, "demo peers with --peer-rate: skip a request whose budget cannot cover its work (its caller would have given up before the answer came)")
	fs.IntVar(&o.mailbox, "mailbox", driver.DefaultMailbox, "bound of each router instance's mailbox; a route that finds it full is refused (overloaded)")
	cluster.DurationVar(fs, &o.service, "service", 0, "time the demo peer spends on each get, put, cas or echo (a slow application)")
	fs.IntVar(&o.handshakes, "max-handshakes", nettransport.DefaultMaxHandshakes,
		"handshakes in progress at once on --listen; one more connection ends the oldest of those that sent nothing (strangers who connect and stall hold at most this many)")
	cluster.DurationVar(fs, &o.replyHold, "reply-hold", nettransport.DefaultReplyHold,
		"how long a reply to a node not connected is kept for it to reconnect (after a restart, clients come back at their next redial; a member, while the node redials it); 0: none is kept; left out, --backoff-max and a quarter and 500ms if that is longer than the default (the clients taken to redial as this node does)")
	o.Register(fs)
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: ensnode --id ID --peers id=host:port,... --secret-file FILE [--ensemble e=n1,n2,...]... [flags]")
		fmt.Fprintln(w, "SIGTERM (or Ctrl-C) stops the node gracefully, a second one at once; SIGHUP reads the --secret-file, --accept-secret-file and --tls-* files again,\n"+
			"in the background, one reload at a time (a SIGHUP during a reload has the files read again after it; SIGTERM does not wait for a reload).\nflags:")
	}
	if err := cluster.Parse(fs, args, help, usage, "ensnode -h"); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q", cluster.ErrUsage, fs.Arg(0))
	}
	if o.version {
		return o, nil
	}
	var missing []string // required flags, in the order of the usage line
	if o.id == "" {
		missing = append(missing, "--id")
	}
	if err := o.Resolve(fs, missing...); err != nil {
		return nil, err
	}
	if err := o.checkShape(); err != nil {
		return nil, err
	}
	if !(o.peerRate == 0 || o.peerRate >= minPeerRate && o.peerRate <= maxPeerRate) { // NaN too
		// The demo peer spaces requests 1s/rate apart: the bounds keep that interval
		// a duration of at least a nanosecond (NaN, Inf and 1e-300 made it zero or
		// overflowed it, and the peer served everything at once).
		return nil, fmt.Errorf("%w: --peer-rate %v: want 0 (each request at once) or %g to %g requests a second", cluster.ErrUsage, o.peerRate, minPeerRate, float64(maxPeerRate))
	}
	if err := o.logs.Check(); err != nil {
		return nil, err
	}
	if o.service < 0 {
		return nil, fmt.Errorf("%w: --service %v: want 0 or more", cluster.ErrUsage, o.service)
	}
	if o.handshakes < 1 {
		return nil, fmt.Errorf("%w: --max-handshakes %d: want at least 1", cluster.ErrUsage, o.handshakes)
	}
	replyHoldSet := false
	fs.Visit(func(f *flag.Flag) { replyHoldSet = replyHoldSet || f.Name == "reply-hold" })
	if !replyHoldSet {
		// The transport's own default: a client that redials as this node does
		// comes back within its longest wait and its jitter.
		o.replyHold = max(nettransport.DefaultReplyHold, o.Heartbeat.BackoffMax*5/4+500*time.Millisecond)
	}
	if o.replyHold < 0 {
		return nil, fmt.Errorf("%w: --reply-hold %v: want 0 (none kept) or more", cluster.ErrUsage, o.replyHold)
	}
	return o, nil
}

// checkShape makes the checks of the start that hold this node's own flags against the
// cluster's shape as resolved in o.Options (the --config file's, with the flags over
// it): --id is one of the peers, --listen (by default its address there) and --admin
// are addresses, --admin takes no member's port, and --mailbox fits --routers. parse
// makes them at the start, and checkConfig at each SIGHUP on the --config file as it
// is then, so that a file the next start would refuse (one that no longer lists this
// node, say) is warned of as such, not as a change that a restart applies. It sets
// o.listen.
func (o *options) checkShape() error {
	addr, member := o.Peers[router.NodeID(o.id)]
	if !member {
		return fmt.Errorf("%w: --id %s is not in %s", cluster.ErrUsage, o.id, o.Setting("peers"))
	}
	o.listen = o.listenFlag
	if o.listen == "" {
		o.listen = addr
	}
	if err := cluster.CheckAddr("--listen", o.listen, true); err != nil {
		return err
	}
	if o.admin != "" {
		if err := cluster.CheckAddr("--admin", o.admin, true); err != nil {
			return err
		}
		if err := checkAdminPort(o); err != nil {
			return err
		}
	}
	if limit := driver.MaxQueued / o.Routers; o.mailbox < 1 || o.mailbox > limit {
		return fmt.Errorf("%w: --mailbox %d: want 1..%d (with %s %d: the node's mailboxes hold at most %d messages, allocated up front)",
			cluster.ErrUsage, o.mailbox, limit, o.Setting("routers"), o.Routers, driver.MaxQueued)
	}
	return nil
}

// checkAdminPort refuses an --admin that would take the port of the cluster's: this
// node's --listen (the start would fail with a bare "address already in use", as if
// another process held the port), or another member's address in --peers, however
// spelled, or its port on every interface when the member's address is a loopback
// one (on one machine, the node that starts first takes the other's port, and the
// other cannot start; a member elsewhere has an address this machine cannot bind).
func checkAdminPort(o *options) error {
	if cluster.SamePort(o.admin, o.listen) {
		return fmt.Errorf("%w: --admin %s: that is the cluster port (--listen %s); the admin server needs a port of its own", cluster.ErrUsage, o.admin, o.listen)
	}
	for _, id := range o.Members() {
		addr := o.Peers[id]
		if id == router.NodeID(o.id) || !cluster.TakesMemberAddr(o.admin, addr) {
			continue
		}
		if cluster.SameAddr(o.admin, addr) {
			return fmt.Errorf("%w: --admin %s: that is %s's address in %s; the admin server needs a port no member listens on", cluster.ErrUsage, o.admin, id, o.Setting("peers"))
		}
		return fmt.Errorf("%w: --admin %s: that takes the port of %s's address %s in %s, on this machine; the admin server needs a port no member listens on", cluster.ErrUsage, o.admin, id, addr, o.Setting("peers"))
	}
	return nil
}

// inUse says, for a listen that failed because the port is taken, what most often
// holds it: "address already in use" alone reads as if the node did something wrong.
func inUse(err error) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ""
	}
	return " (another process listens on that port: this node already running, another node's ensnode, or another program; `ss -ltnp` names it)"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "ensnode:", err)
		return 2
	}
	if o.version {
		fmt.Fprintln(stdout, "ensnode", buildinfo.String())
		return 0
	}
	// Every line of the node's carries its id, as the transport's and the driver's
	// do (they add it themselves, so they get base).
	base := o.logs.Logger(stderr)
	log := base.With("node", o.id)
	// SIGHUP, which Go would let end the process on the spot (no goodbye, not a word
	// in the log), reloads the credentials' files: a new cluster secret, or a renewed
	// certificate, without a restart. Caught from before the start, whose connections
	// it would otherwise cut; one that comes during it is acted on after.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	n, err := start(o, base)
	if errors.Is(err, cluster.ErrUsage) {
		fmt.Fprintln(stderr, "ensnode:", err)
		return 2
	}
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	// The reloads run beside the loop, which hears SIGTERM whatever a reload waits on.
	reloads := &reloader{reload: func() { n.reload(log) }, log: log, files: n.reloadFiles()}
	for ctx.Err() == nil {
		select {
		case <-hup:
			reloads.hup()
		case <-ctx.Done():
		}
	}
	reloads.close()
	log.Info("shutting down", "cause", context.Cause(ctx))
	n.stop()
	log.Info("stopped")
	return 0
}

// node is a running ensnode.
type node struct {
	o      *options
	log    *slog.Logger
	id     router.NodeID
	inc    router.Incarnation
	drv    *driver.Node
	tr     *nettransport.Transport
	admin  *http.Server
	wg     sync.WaitGroup
	dials  context.CancelFunc
	slow   *kv.Slow // nil unless --peer-rate
	config *settingsWatch
	// members are the other members of --peers, sorted.
	members []router.NodeID
	// stopping is set when stop begins: /readyz then answers 503.
	stopping atomic.Bool
}

// reload reads the files of --secret-file, --accept-secret-file and --tls-* again, for
// the connections made from now on, and drops those up whose other node proved a
// secret or showed a certificate that the files no longer accept (the node redials
// them at once, with the credentials it holds now). Nothing else is reloaded: --peers,
// --ensemble, --config and the other flags take a restart (checkConfig warns of a
// --config file that has changed). A file that cannot be read
// or is not valid leaves the node with the credentials it had, and says so.
func (n *node) reload(log *slog.Logger) {
	defer n.checkConfig(log)
	before := n.tr.Stats().Withdrawn
	if err := n.o.ReloadCredentials(n.tr, log); err != nil {
		// Not a usage error here: the flags were right at the start.
		msg := strings.TrimPrefix(err.Error(), cluster.ErrUsage.Error()+": ")
		log.Error("SIGHUP: the credentials were not reloaded; the node goes on with those it had", "err", msg)
		return
	}
	// Counted as SetCredentials decides, before it returns: one that closes now
	// (its goodbye and its close run on) is in the count.
	attrs := []any{"accept_secrets", len(n.o.AcceptSecretFiles), "dropped_withdrawn", n.tr.Stats().Withdrawn - before}
	if c := n.tr.Certificate(); c != nil {
		attrs = append(attrs, "tls_cert", n.o.TLSCert, "issuer", c.Issuer.String(), "not_after", c.NotAfter.UTC())
		if n.o.TLSCA != "" {
			attrs = append(attrs, "tls_ca", n.o.TLSCA, "ca_subjects", cluster.CASubjects(n.tr.Credentials().ServerTLS))
		}
	}
	log.Info("SIGHUP: reloaded the secret and TLS files, for the connections made from now on; those up that were made with a secret or a certificate they no longer accept are dropped (dropped_withdrawn) (--peers, --ensemble, --config and the other flags take a restart)", attrs...)
}

// checkConfig warns, at a SIGHUP, of a --config file that no longer says what it said
// when the node started: an operator who edits it (a member added, say) and sends
// SIGHUP is told that the node did not apply it, rather than left to read "reloaded";
// and of one that can no longer be read or decoded, which the next start would refuse.
func (n *node) checkConfig(log *slog.Logger) {
	changed, err := n.o.ConfigChanged(func(next *cluster.Options) error {
		o := *n.o // this node's flags, over the file as it is now
		o.Options = *next
		return o.checkShape()
	})
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), cluster.ErrUsage.Error()+": ")
		log.Warn("SIGHUP: the --config file cannot be read as a configuration now; the node runs on as it started, but would not start with the file as it is", "config", n.o.ConfigFile, "err", msg)
		return
	}
	if len(changed) > 0 {
		log.Warn("SIGHUP: the --config file has changed since the node started, and a SIGHUP does not apply it: the node runs on as it started; restart it to apply the file (see Rolling restarts)",
			"config", n.o.ConfigFile, "changed", strings.Join(changed, ","))
	}
}

// reloadFiles lists the files reload reads, in the order it reads them.
func (n *node) reloadFiles() []string {
	files := append([]string{n.o.SecretFile}, n.o.AcceptSecretFiles...)
	for _, f := range []string{n.o.TLSCert, n.o.TLSKey, n.o.TLSCA, n.o.ConfigFile} {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

// start starts the node; base is the logger without the node's id, which the
// transport and the driver add to their lines themselves, as start does to its own.
func start(o *options, base *slog.Logger) (*node, error) {
	log := base.With("node", o.id)
	id := router.NodeID(o.id)
	// A restart must get a larger incarnation: the start time in nanoseconds does.
	inc := driver.NewIncarnation()
	config := newSettingsWatch(o.Settings(true), o.Peers, log)
	tr, err := o.Transport(id, inc, log, func(c *nettransport.Config) {
		c.Logger = base // the transport adds the node's id itself
		c.Settings, c.OnSettings = config.mine, config.heard
		c.MaxHandshakes = o.handshakes
		c.ReplyHold = o.replyHold
		if o.replyHold == 0 {
			c.ReplyHold = -1 // none
		}
	})
	cluster.FilesRead() // the last file read; from now on a signal stops the node gracefully (main)
	if err != nil {
		return nil, err
	}
	var members []router.NodeID
	for _, m := range o.Members() {
		if m != id {
			members = append(members, m)
		}
	}
	// The ensembles of the configuration, whose leaders alone the node takes from
	// gossip: an ensemble or a member removed from it is forgotten once every node has
	// restarted without it. A node given none takes every entry, as it did.
	var ensembles map[router.EnsembleID][]router.NodeID
	for _, e := range o.Shape.Ensembles {
		if ensembles == nil {
			ensembles = make(map[router.EnsembleID][]router.NodeID, len(o.Shape.Ensembles))
		}
		ensembles[e.ID] = e.Members
	}
	drv, err := driver.New(driver.Config{ID: id, Incarnation: inc, Semantics: o.Semantic(), Routers: o.Routers,
		Mailbox: o.mailbox, Transport: tr, Directory: o.Directory(), Members: members, Ensembles: ensembles, Logger: base})
	if err != nil {
		_ = tr.Close()
		return nil, fmt.Errorf("%w: %w", cluster.ErrUsage, err)
	}
	hosted := []string{} // [] in the ready line, in JSON too (a nil slice is null there)
	var slow *kv.Slow
	if o.peerRate > 0 {
		slow = kv.NewSlow(o.peerRate, o.skip)
	}
	for _, e := range o.Shape.Ensembles {
		for _, m := range e.Members {
			if m == id {
				ref := cluster.PeerRef(e.ID, id)
				p := kv.NewPeer(drv, ref)
				p.Service = o.service
				if slow != nil {
					p.ServeWith(slow)
				}
				if err := drv.AddPeer(ref, p); err != nil {
					_ = drv.Close()
					_ = tr.Close()
					stopSlow(slow)
					return nil, err
				}
				hosted = append(hosted, string(e.ID))
			}
		}
	}
	tr.Attach(drv)
	// Both ports are bound before anything runs, so that a port in use is the one
	// error a failed start reports.
	fail := func(err error, ls ...net.Listener) (*node, error) {
		for _, l := range ls {
			_ = l.Close()
		}
		_ = drv.Close()
		_ = tr.Close()
		stopSlow(slow)
		return nil, err
	}
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fail(fmt.Errorf("--listen %s: %w%s", o.listen, err, inUse(err)))
	}
	var al net.Listener
	if o.admin != "" {
		if al, err = net.Listen("tcp", o.admin); err != nil {
			return fail(fmt.Errorf("--admin %s: %w%s", o.admin, err, inUse(err)), l)
		}
		if ap, err := netip.ParseAddrPort(al.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
			// The admin server has no authentication, and /debug/pprof shows the
			// node's memory and code.
			log.Warn("admin server reachable beyond this machine: /metrics, /healthz, /readyz and /debug/pprof need no credentials; keep --admin on loopback or behind a firewall",
				"admin", al.Addr().String())
		}
	}
	n := &node{o: o, log: log, id: id, inc: inc, drv: drv, tr: tr, slow: slow, members: members, config: config}
	n.wg.Go(func() {
		if err := tr.Serve(l); err != nil && !errors.Is(err, nettransport.ErrClosed) {
			log.Error("serve", "err", err)
		}
	})
	// Dial every member now rather than at the first call: each dial loop keeps its
	// member connected from then on.
	dctx, cancel := context.WithCancel(context.Background())
	n.dials = cancel
	for _, m := range members {
		n.wg.Go(func() { _ = tr.Connect(dctx, m) })
	}
	adminAddr := "off"
	if al != nil {
		adminAddr = al.Addr().String()
	}
	// Logged before the admin server answers: whoever hears from /healthz finds the
	// line in the log (its listener is bound already, so nothing is refused meanwhile).
	log.Info("ready", "incarnation", uint64(inc), "listen", l.Addr().String(), "admin", adminAddr,
		"cluster", o.Cluster, "semantics", o.Semantic().String(), "routers", o.Routers, "hosts", hosted)
	if al != nil {
		// Neither WriteTimeout nor ReadTimeout: /debug/pprof/profile?seconds=N and
		// /debug/pprof/trace?seconds=N answer after N seconds (a profile's 30 by
		// default), which a WriteTimeout shorter than N would cut, and a ReadTimeout too
		// (the server's read while a request runs, which notices a client that goes,
		// would time out and cancel the request's context). ReadHeaderTimeout bounds a
		// request that never comes whole, IdleTimeout a connection between requests.
		n.admin = &http.Server{Handler: n.adminHandler(tr), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: adminIdleTimeout,
			ErrorLog: newAdminErrorLog(log)}
		n.wg.Go(func() {
			if err := n.admin.Serve(helloListener{al}); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("admin", "err", err)
			}
		})
	}
	return n, nil
}

// adminIdleTimeout is how long the admin server keeps a connection between two
// requests (http.Server.IdleTimeout). Without it, a connection a client kept alive
// and never used again was held for ever: a prober that opened a new one for each
// probe held 90 of them, and took the file descriptors the cluster port needed to
// accept. A scraper or prober that comes back sooner keeps its connection; one that
// comes later dials again, a round trip on loopback. A variable for the tests.
var adminIdleTimeout = 30 * time.Second

// adminGrace is how long the admin server's requests in progress may still take once
// the node has stopped everything else: a scrape has time to finish, a pprof profile
// or trace that runs for seconds is cut.
const adminGrace = 100 * time.Millisecond

// serveLimit bounds stop's wait for the router instances to serve the requests their
// mailboxes hold: a slow application (a peer that takes seconds a request) would
// otherwise hold the stop for as long as its callers' budgets last.
const serveLimit = 2 * time.Second

// stop shuts down in order: /readyz answers 503 (stopping), no new dials, the
// goodbye, the router instances (which answer what their mailboxes hold, and under
// riak relay the answers to their followers' forwards, waited for at most serveLimit: past it they are left to the process's exit, serving on while
// the rest of the stop goes on, and what they answer after the connections close is
// lost), the replies still queued (at most a second), the connections (each closed
// once its node has read what was written to it, at most
// nettransport.DefaultCloseLinger), then the admin server.
//
// The goodbye (nettransport.Transport.Goodbye) tells every connected node that this
// one is leaving and waits until each has acknowledged (giving up on a node after
// nettransport.DefaultGoodbyeTimeout in which nothing came from it, on all after
// nettransport.DefaultGoodbyeLimit): from then on it sends nothing new here, and
// everything it sent before has been read. Meanwhile the node serves as usual: the
// requests that arrive during the goodbye are those already on their way, sent before
// their callers knew, and a node that can answer them in a few milliseconds has no
// reason to shed them. Only a
// route from a node that did not acknowledge (an older version, a stuck one) can
// still arrive after the router instances stop: it is shed (overloaded), or lost if
// it comes after the connections close.
//
// The admin server closes last and waits at most adminGrace for its requests: a long
// one (a pprof profile, a slow scrape) delays neither the goodbye nor the exit, and
// until then /healthz and /metrics show the node leaving.
func (n *node) stop() {
	n.stopping.Store(true)
	n.dials()
	if !n.o.noGoodbye {
		_ = n.tr.Goodbye(context.Background()) // logs the nodes that did not acknowledge
	}
	closed := make(chan struct{})
	go func() { _ = n.drv.Close(); close(closed) }()
	serving := time.NewTimer(serveLimit)
	select {
	case <-closed:
	case <-serving.C:
		// The process ends after stop: what the router instances have not served by
		// then is lost, and its callers time out.
		n.log.Warn("stopping before the router instances have served every request they had taken: the peers are slow; those callers time out", "waited", serveLimit)
	}
	serving.Stop()
	fctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_ = n.tr.Flush(fctx) // bounded apart from Close's own wait (CloseLinger)
	cancel()
	_ = n.tr.Close()
	if n.admin != nil {
		actx, cancel := context.WithTimeout(context.Background(), adminGrace)
		if err := n.admin.Shutdown(actx); err != nil {
			_ = n.admin.Close() // ends the connections of the requests still running
		}
		cancel()
	}
	stopSlow(n.slow)
	n.wg.Wait()
}

func stopSlow(s *kv.Slow) {
	if s != nil {
		s.Close()
	}
}
