package nettransport

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ensroute/ensroute/router"
)

// Config configures a Transport. New fills in defaults; Validate changes nothing.
type Config struct {
	// ID, Incarnation and Cluster are what this node states in every handshake. ID and
	// Cluster are required, of at most MaxName bytes; ID, like every node id in Peers,
	// must be valid UTF-8 (a node refuses any other id in a handshake: ids reach logs,
	// JSON and metric labels). A restarted node must use a larger Incarnation (a node
	// that reuses one may be handed replies meant for its previous life): 0, the
	// default, takes one from the clock (nanoseconds since 1970) when New is called;
	// read it back with Transport.Identity.
	ID          router.NodeID
	Incarnation router.Incarnation
	Cluster     string
	// Secret is the cluster secret both sides of a handshake prove they know (at least
	// 8 bytes). It never travels.
	Secret []byte
	// AcceptSecrets are other secrets this node takes as proof from the other side,
	// besides Secret, which is the one it proves with (each at least 8 bytes). They
	// let a cluster change its secret without an outage, in three rolling steps:
	// every node accepts the new secret (AcceptSecrets: new); then proves with it
	// (Secret: new, AcceptSecrets: old); then forgets the old (AcceptSecrets: none).
	// Transport.SetCredentials replaces both, and the TLS configurations, while the
	// transport runs.
	AcceptSecrets [][]byte
	// Peers holds the addresses of the nodes this one may dial, as host:port unless
	// Dial is set. Nodes that dial in (client-only nodes) need no entry. It may list
	// the node itself, so that every node can share one map of the cluster: that
	// entry is skipped. No two ids may share an address, however it is spelled
	// ("localhost:7001" and "127.0.0.1:07001" are one, without Dial): one address
	// serves one node.
	Peers map[router.NodeID]string
	// ServerTLS, if set, wraps accepted connections in TLS; ClientTLS wraps dialed
	// ones (its ServerName defaults to the host of the address). LoadTLS builds both,
	// with mutual authentication when given a CA.
	ServerTLS, ClientTLS *tls.Config
	// Dial opens a connection to an address. Default: a net.Dialer over TCP.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// MaxFrame is the largest frame body accepted or sent. Default DefaultMaxFrame.
	MaxFrame int
	// QueueBytes bounds each peer's send queue: a send that finds this many bytes
	// queued and not yet written fails with router.ErrOverloaded (counted in
	// Stats.Overloaded, and warned of once a minute per member at most, and for all
	// clients together). Default 4 MiB.
	QueueBytes int
	// ReadBuffer is each established connection's read buffer, at most
	// MaxReadBuffer. Default 64 KiB. A connection in its handshake reads through a
	// buffer of one handshake frame (MaxHandshakeFrame and its header), so that a
	// stranger's connection costs no more.
	ReadBuffer int
	// HandshakeTimeout bounds a handshake, TLS included. Default 5s.
	HandshakeTimeout time.Duration
	// MaxHandshakes bounds the handshakes in progress on each listener Serve runs, and
	// on the connections handed to Accept (all of them together): a connection beyond
	// it ends the oldest of them whose other side has sent nothing (if none, the
	// oldest whose hello was not answered in the last second; if none, the oldest:
	// counted in Stats.HandshakeLimit), so that strangers who connect and stall hold at
	// most this many connections, and cannot keep a node of the cluster out: its hello
	// comes as it connects. Default 64.
	MaxHandshakes int
	// HeartbeatInterval is how often an idle connection sends a ping (at least
	// MinHeartbeatInterval); a connection that receives no whole frame for
	// HeartbeatTimeout is closed as dead (see the package doc for a stall of this
	// node), and so is one to which a write of WriteChunk bytes or less does not
	// complete within HeartbeatTimeout: a peer that reads its queued messages slower
	// than WriteChunk per HeartbeatTimeout (87 KB/s with the defaults) is taken for
	// dead, one that reads faster is not, however long its queue. A frame counts once
	// whole, so a link that carries less than MaxFrame per HeartbeatTimeout (350 KB/s
	// with the defaults) loses connections that carry frames that large. Defaults
	// 500ms, and 3s or two HeartbeatIntervals if that is longer.
	HeartbeatInterval, HeartbeatTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between dial attempts to a peer, which
	// doubles after each failure, with jitter; BackoffMax is at most MaxBackoff.
	// Defaults 50ms, and 2s or BackoffMin if that is longer.
	BackoffMin, BackoffMax time.Duration
	// ReplyHold is how long a reply to a node that is not connected is held for it to
	// connect (Send). A restarted node does not dial the clients (nodes that dialed
	// it, with no address in Peers): each comes back at its next redial, up to
	// BackoffMax and its jitter (+25%) later, and the replies sent to it before that
	// would be lost. The replies held, over all nodes, are bounded by QueueBytes.
	// Default: DefaultReplyHold, or BackoffMax and a quarter and 500ms if longer (this
	// node's BackoffMax, taken to be its clients'); negative: none is held.
	ReplyHold time.Duration
	// Settings, if not empty, is sent to each node once per connection, as soon as it
	// is up, for its OnSettings: what a node says of its configuration, so that the
	// other nodes can warn of differences (ensnode sends the semantics, --routers and
	// its ensembles). At most MaxSettings bytes; opaque to the transport.
	Settings []byte
	// OnSettings, if set, is called with the Settings of each node that sends them,
	// with its id and incarnation, once per connection, on the connection's reader:
	// it must not block. It owns settings. A node older than Settings sends none.
	OnSettings func(id router.NodeID, inc router.Incarnation, settings []byte)
	// GoodbyeTimeout bounds Goodbye's wait for a peer's acknowledgement while nothing
	// arrives from it: a stopping node gives up on a peer once a whole GoodbyeTimeout
	// has passed in which it read no message from it (heartbeats do not count). A peer
	// whose requests are still arriving has its acknowledgement queued behind them,
	// however long its queue takes to drain. Default DefaultGoodbyeTimeout.
	GoodbyeTimeout time.Duration
	// GoodbyeLimit bounds the whole of Goodbye, whatever arrives: a node older than
	// the goodbye never acknowledges, and may go on sending. Default
	// DefaultGoodbyeLimit, or GoodbyeTimeout if that is longer; not below
	// GoodbyeTimeout.
	GoodbyeLimit time.Duration
	// CloseLinger bounds Close's wait for each connected node to read what was
	// written to it (Close closes this node's side of each connection first, and the
	// other node closes its own once it has read to the end): a socket closed with
	// bytes still in it is reset when the other node next sends, a heartbeat say, and
	// what it had not read yet is lost. Default DefaultCloseLinger; negative: Close
	// closes every connection at once, as a crash would. Only a connection with a
	// CloseWrite method can close its side alone (TCP's, TLS's): one a Config.Dial
	// wraps without it is closed once what was queued is written, and may lose it so.
	CloseLinger time.Duration
	// Logger receives connection events. Default slog.Default().
	Logger *slog.Logger
}

// Bounds of Config's fields, besides MaxName, MaxSettings and MinMaxFrame..MaxMaxFrame.
const (
	// MaxReadBuffer bounds ReadBuffer: each established connection allocates it whole.
	MaxReadBuffer = 64 << 20
	// MinHeartbeatInterval bounds HeartbeatInterval from below: an idle connection
	// pings every interval.
	MinHeartbeatInterval = time.Millisecond
	// MaxHeartbeatInterval bounds HeartbeatInterval from above (and keeps the
	// default timeout, twice the interval, from overflowing).
	MaxHeartbeatInterval = 24 * time.Hour
	// MaxBackoff bounds BackoffMax (and so BackoffMin), which jitter and doubling
	// would overflow near the largest time.Duration.
	MaxBackoff = time.Hour
	// WriteChunk is the most written to a connection at once: a write that does not
	// complete within HeartbeatTimeout ends the connection, so a queue of messages is
	// written in chunks of this size, each with a deadline of its own.
	WriteChunk = 256 << 10
)

// Default values filled in by New.
const (
	DefaultQueueBytes        = 4 << 20
	DefaultReadBuffer        = 64 << 10
	DefaultHandshakeTimeout  = 5 * time.Second
	DefaultMaxHandshakes     = 64
	DefaultHeartbeatInterval = 500 * time.Millisecond
	DefaultHeartbeatTimeout  = 3 * time.Second
	DefaultBackoffMin        = 50 * time.Millisecond
	DefaultBackoffMax        = 2 * time.Second
	// DefaultReplyHold covers a client's redial after DefaultBackoffMax, its jitter
	// (2.5s at most) and its handshake.
	DefaultReplyHold = 3 * time.Second
	// DefaultGoodbyeTimeout: a peer that is connected and well answers a goodbye
	// within a round trip of having its queued requests read; a second of nothing
	// covers a busy one, and is what a stop costs at most for a peer that sends nothing
	// and does not answer (a stuck one, or an older node with nothing to send).
	DefaultGoodbyeTimeout = time.Second
	// DefaultGoodbyeLimit: a peer's whole send queue (DefaultQueueBytes) read on a
	// loaded machine, with room to spare; what a stop costs at most for an older node
	// that sends on and never acknowledges.
	DefaultGoodbyeLimit = 5 * time.Second
	// DefaultCloseLinger: a node that reads as it should closes its side within a
	// round trip of having read what was written; a second covers a busy one, and a
	// megabyte or two still in the socket.
	DefaultCloseLinger = time.Second
)

// negative names the first of the timeouts and backoffs that is negative, with its
// value ("HeartbeatTimeout -1s"), or is "" when none is.
func (c *Config) negative() string {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"HandshakeTimeout", c.HandshakeTimeout}, {"HeartbeatInterval", c.HeartbeatInterval}, {"HeartbeatTimeout", c.HeartbeatTimeout},
		{"BackoffMin", c.BackoffMin}, {"BackoffMax", c.BackoffMax}, {"GoodbyeTimeout", c.GoodbyeTimeout}, {"GoodbyeLimit", c.GoodbyeLimit}} {
		if d.v < 0 {
			return fmt.Sprintf("%s %v", d.name, d.v)
		}
	}
	return ""
}

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.ID == "":
		return bad("ID is empty")
	case c.Cluster == "":
		return bad("Cluster is empty")
	case len(c.ID) > MaxName:
		return bad("ID has %d bytes, the longest name is %d", len(c.ID), MaxName)
	case !utf8.ValidString(string(c.ID)):
		return bad("ID %q is not valid UTF-8 (every node refuses such an id in a handshake)", c.ID)
	case len(c.Cluster) > MaxName:
		return bad("Cluster has %d bytes, the longest name is %d", len(c.Cluster), MaxName)
	case c.Incarnation > MaxIncarnation:
		// Every node would refuse its handshakes ("protocol error").
		return bad("Incarnation %d is past %d, the largest a handshake carries", c.Incarnation, uint64(MaxIncarnation))
	case len(c.Secret) < 8:
		return bad("Secret has %d bytes, want at least 8", len(c.Secret))
	case slices.ContainsFunc(c.AcceptSecrets, func(s []byte) bool { return len(s) < 8 }):
		return bad("an AcceptSecrets entry has fewer than 8 bytes")
	case c.MaxFrame != 0 && (c.MaxFrame < MinMaxFrame || int64(c.MaxFrame) > MaxMaxFrame): // int64: an int may be 32 bits
		return bad("MaxFrame %d is not in %d..%d", c.MaxFrame, MinMaxFrame, int64(MaxMaxFrame))
	case c.QueueBytes < 0:
		return bad("QueueBytes %d is negative", c.QueueBytes)
	case c.ReadBuffer < 0 || c.ReadBuffer > MaxReadBuffer:
		return bad("ReadBuffer %d is not in 0..%d (0: the default, %d)", c.ReadBuffer, MaxReadBuffer, DefaultReadBuffer)
	case c.MaxHandshakes < 0:
		return bad("MaxHandshakes %d is negative", c.MaxHandshakes)
	case c.negative() != "":
		return bad("%s is negative", c.negative())
	case c.HeartbeatInterval != 0 && c.HeartbeatInterval < MinHeartbeatInterval:
		return bad("HeartbeatInterval %v is below %v: an idle connection pings every interval", c.HeartbeatInterval, MinHeartbeatInterval)
	case c.HeartbeatInterval > MaxHeartbeatInterval:
		return bad("HeartbeatInterval %v is above %v: a heartbeat must come well within HeartbeatTimeout, which notices a dead peer", c.HeartbeatInterval, MaxHeartbeatInterval)
	case c.BackoffMin > MaxBackoff:
		return bad("BackoffMin %v is above %v", c.BackoffMin, MaxBackoff)
	case c.BackoffMax > MaxBackoff:
		return bad("BackoffMax %v is above %v", c.BackoffMax, MaxBackoff)
	case len(c.Settings) > MaxSettings:
		return bad("Settings has %d bytes, the most is %d", len(c.Settings), MaxSettings)
	case c.HeartbeatTimeout != 0 && c.HeartbeatTimeout <= or(c.HeartbeatInterval, DefaultHeartbeatInterval):
		// Silent for longer than a heartbeat's interval, every connection would be
		// dropped between two heartbeats, and dialed again.
		return bad("HeartbeatTimeout %v is not above HeartbeatInterval %v%s", c.HeartbeatTimeout,
			or(c.HeartbeatInterval, DefaultHeartbeatInterval), unset(c.HeartbeatInterval, " (the default)"))
	case c.GoodbyeLimit != 0 && c.GoodbyeLimit < or(c.GoodbyeTimeout, DefaultGoodbyeTimeout):
		return bad("GoodbyeLimit %v is below GoodbyeTimeout %v%s", c.GoodbyeLimit, or(c.GoodbyeTimeout, DefaultGoodbyeTimeout), unset(c.GoodbyeTimeout, " (the default)"))
	case c.BackoffMax != 0 && c.BackoffMax < or(c.BackoffMin, DefaultBackoffMin):
		return bad("BackoffMax %v is below BackoffMin %v%s", c.BackoffMax, or(c.BackoffMin, DefaultBackoffMin), unset(c.BackoffMin, " (the default)"))
	}
	owner := map[string]router.NodeID{} // an address, in addrKey's form, and the first id at it
	for _, id := range slices.Sorted(maps.Keys(c.Peers)) {
		addr := c.Peers[id]
		switch {
		case id == "" || addr == "":
			return bad("Peers has an empty id or address (%q=%q)", id, addr)
		case len(id) > MaxName:
			return bad("Peers has an id of %d bytes (%.20q...), the longest name is %d", len(id), id, MaxName)
		case !utf8.ValidString(string(id)):
			// The node could not state it: its own Config would be refused.
			return bad("Peers has an id that is not valid UTF-8 (%q)", id)
		}
		if c.Dial == nil {
			// Dial's own addresses are its business; TCP's are host:port.
			if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
				return bad("Peers: %s's address %q is not host:port", id, addr)
			}
		}
		key := c.addrKey(addr)
		if other, ok := owner[key]; ok {
			// One address serves one node: the dial to one of the two would reach the
			// other, and its handshake refuse ("the node at this address is ..."),
			// again at every redial.
			if c.Peers[other] == addr {
				return bad("Peers: %s and %s share the address %s (one address serves one node)", other, id, addr)
			}
			return bad("Peers: %s and %s share an address: %s and %s are one (one address serves one node)", other, id, c.Peers[other], addr)
		}
		owner[key] = id
	}
	return nil
}

// addrKey is addr, an address of Peers, in CanonicalAddr's form without Dial; Dial's
// own addresses are its business: they are compared as they are.
func (c *Config) addrKey(addr string) string {
	if c.Dial != nil {
		return addr
	}
	return CanonicalAddr(addr)
}

// CanonicalAddr is addr, a TCP address as host:port, in the form two spellings of it
// share: the port as a number ("07001" is 7001), an IP address in its canonical form
// (an IPv4 address written as IPv6 is the IPv4 one; an IPv6 zone, an interface's
// name, as written: its case counts), a host name in lower case without a final dot,
// and "localhost" as 127.0.0.1. Host names are not looked up. An addr that is not
// host:port with a numeric port (a service name, "host:http") is returned as it is.
func CanonicalAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return addr // a service name ("http"): compared as written
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		// An IPv6 zone names an interface, whose name's case counts ("eth0" is not
		// "ETH0"): only the address's hex digits are folded, as String does.
		host = ip.Unmap().String()
	} else {
		host = strings.ToLower(strings.TrimSuffix(host, "."))
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.FormatUint(p, 10))
}

// or returns d, or def when d is zero (unset: the default applies).
func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// unset returns note when d is zero (unset), else "".
func unset(d time.Duration, note string) string {
	if d == 0 {
		return note
	}
	return ""
}

func (c *Config) fill() {
	set := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = DefaultMaxFrame
	}
	if c.QueueBytes == 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.ReadBuffer == 0 {
		c.ReadBuffer = DefaultReadBuffer
	}
	if c.MaxHandshakes == 0 {
		c.MaxHandshakes = DefaultMaxHandshakes
	}
	set(&c.HandshakeTimeout, DefaultHandshakeTimeout)
	set(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	set(&c.HeartbeatTimeout, max(DefaultHeartbeatTimeout, 2*c.HeartbeatInterval))
	set(&c.GoodbyeTimeout, DefaultGoodbyeTimeout)
	set(&c.GoodbyeLimit, max(DefaultGoodbyeLimit, c.GoodbyeTimeout))
	set(&c.CloseLinger, DefaultCloseLinger)
	set(&c.BackoffMin, DefaultBackoffMin)
	set(&c.BackoffMax, max(DefaultBackoffMax, c.BackoffMin))
	set(&c.ReplyHold, max(DefaultReplyHold, c.BackoffMax*5/4+500*time.Millisecond))
	if c.Dial == nil {
		d := &net.Dialer{}
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Incarnation == 0 {
		c.Incarnation = router.Incarnation(time.Now().UnixNano())
	}
}
