package nettransport_test

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// node is one transport under test with its log.
type node struct {
	tr   *nettransport.Transport
	rec  *recorder
	log  *syncBuffer
	addr string
}

// startNode builds, attaches and serves a transport; edit adjusts its config. It
// listens only when listen is true.
func startNode(t *testing.T, id router.NodeID, listen bool, edit func(*nettransport.Config)) *node {
	t.Helper()
	n := &node{rec: newRecorder(), log: &syncBuffer{}}
	cfg := nettransport.Config{
		ID: id, Incarnation: 1, Cluster: "test", Secret: secret,
		Logger:     slog.New(slog.NewTextHandler(n.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
	}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := nettransport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.tr = tr
	tr.Attach(n.rec)
	if listen {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n.addr = l.Addr().String()
		go func() { _ = tr.Serve(l) }()
	}
	t.Cleanup(func() { _ = tr.Close() })
	return n
}

func peersOf(id router.NodeID, addr string) func(*nettransport.Config) {
	return func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{id: addr} }
}

func connect(t *testing.T, from *node, to router.NodeID) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return from.tr.Connect(ctx, to)
}

// logged waits until n's log holds every fragment on one line.
func logged(t *testing.T, n *node, fragments ...string) {
	t.Helper()
	ok := await(func() bool {
		for _, line := range strings.Split(n.log.String(), "\n") {
			all := true
			for _, f := range fragments {
				all = all && strings.Contains(line, f)
			}
			if all {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no log line with %q; log:\n%s", fragments, n.log.String())
	}
}

// TestRefusals: a node that does not prove the secret, names another cluster, claims
// the acceptor's own id or the id of a node already connected is refused, with a log
// line on the acceptor that says why, and never gets connected.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		id        router.NodeID
		edit      func(*nettransport.Config)
		as        router.NodeID // the id the bad node knows the acceptor by (default n1)
		first     bool          // an honest n2 connects first
		acceptor  []string
		dialer    []string
		dialerErr string
	}{
		{name: "wrong secret", id: "n4", edit: func(c *nettransport.Config) { c.Secret = []byte("not-the-secret") },
			acceptor: []string{"refused connection", "peer=n4", "n4 did not prove the cluster secret"},
			dialer:   []string{"cannot connect", "authentication failed"}},
		{name: "wrong cluster", id: "n4", edit: func(c *nettransport.Config) { c.Cluster = "other" },
			acceptor: []string{"refused connection", `cluster \"other\", want \"test\"`},
			dialer:   []string{"cannot connect", "wrong cluster"}},
		// A second node started with n1's id, which lists the real n1 under
		// another name: a node skips its own id in Peers.
		{name: "own id", id: "n1", as: "n1-elsewhere",
			acceptor: []string{"refused connection", "claims this node's id n1"},
			dialer:   []string{"cannot connect", "node claims our own id (the node at the address dialed has the dialer's id: is that address the dialer's own, or does a second process run with that id?)"}},
		{name: "id already connected", id: "n2", first: true, // the same incarnation: not a restart
			acceptor: []string{"refused connection", "peer=n2", "node id already connected"},
			dialer:   []string{"cannot connect", "node id already connected"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acc := startNode(t, "n1", true, nil)
			if tc.first {
				honest := startNode(t, "n2", false, peersOf("n1", acc.addr))
				if err := connect(t, honest, "n1"); err != nil {
					t.Fatal(err)
				}
			}
			as := cmp.Or(tc.as, "n1")
			bad := startNode(t, tc.id, false, func(c *nettransport.Config) {
				peersOf(as, acc.addr)(c)
				if tc.edit != nil {
					tc.edit(c)
				}
			})
			if err := bad.tr.Send(as, &router.Message{Kind: router.KindGossip}); !errors.Is(err, router.ErrUnreachable) {
				t.Fatalf("first send: %v, want ErrUnreachable", err)
			}
			logged(t, acc, tc.acceptor...)
			logged(t, bad, tc.dialer...)
			if bad.tr.Connected(as) {
				t.Fatal("the refused node is connected")
			}
			if tc.first && !acc.tr.Connected("n2") {
				t.Fatal("the honest n2 lost its connection to the impostor")
			}
			// A dial of the same incarnation right after the honest one is what a
			// crossed dial looks like: counted as crossed, not refused (a later one is
			// refused: TestLateDuplicateStillWarns).
			if st := acc.tr.Stats(); tc.first && st.Crossed == 0 || !tc.first && st.Refused == 0 {
				t.Fatalf("no refusal counted: refused %d, crossed %d", st.Refused, st.Crossed)
			}
		})
	}
}

// TestVersionMismatch: a peer speaking another protocol version gets a refusal it can
// read, and the acceptor logs both versions.
func TestVersionMismatch(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	c, err := net.Dial("tcp", acc.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// magic, version 2, hello, a 3-byte body.
	if _, err := c.Write([]byte{0xE5, 0x7E, 2, 1, 0, 0, 0, 3, 'a', 'b', 'c'}); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0xE5, 0x7E, nettransport.Version, 5, 0, 0, 0, 1, byte(nettransport.RefuseVersion)}
	if string(reply) != string(want) {
		t.Fatalf("reply % x, want % x", reply, want)
	}
	logged(t, acc, "refused connection", "protocol version 2, want 1")
}

// TestGarbageClosesConnection: bytes that are not a frame close the connection with a
// logged reason and no harm to the node.
func TestGarbageClosesConnection(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	c, err := net.Dial("tcp", acc.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err)
	}
	logged(t, acc, "refused connection", "bad magic")
}

// TestFromIsAuthenticated: the receiver names the sender by the connection's
// authenticated id, whatever From the message claims.
func TestFromIsAuthenticated(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", acc.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip, From: "n3"}); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return len(acc.rec.messages()) == 1 }, acc.rec) {
		t.Fatal("nothing arrived")
	}
	if from := acc.rec.messages()[0].From; from != "n2" {
		t.Fatalf("From = %s, want n2", from)
	}
}

// TestOverloaded: when the peer stops reading, the bounded send queue fills and sends
// fail at once with ErrOverloaded, counted, instead of queueing without end.
func TestOverloaded(t *testing.T) {
	n2, big := fillQueue(t)
	if n2.tr.Stats().Overloaded == 0 {
		t.Fatal("overload not counted")
	}
	// The queue stops at QueueBytes: a send is refused once it is reached, so at most
	// one message (and its frame header) lies past it.
	for _, p := range n2.tr.Peers() {
		if limit := 64<<10 + len(big.Event) + 1<<10; p.ID == "n1" && p.Queued > limit {
			t.Fatalf("%d bytes queued, want at most %d", p.Queued, limit)
		}
	}
}

// fillQueue starts n1, whose receiver takes nothing in until the test ends, and n2
// with a send queue of 64 KiB, connected to n1, and sends n2's casts of 60 KiB to n1
// until one is refused with ErrOverloaded: n2's queue to n1 is then full. It returns
// n2 and the cast.
func fillQueue(t *testing.T) (*node, *router.Message) {
	t.Helper()
	release := make(chan struct{})
	acc := startNode(t, "n1", true, nil)
	acc.tr.Attach(&blockingReceiver{release: release})
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", acc.addr)(c)
		c.QueueBytes = 64 << 10
	})
	// After the nodes' own cleanups, so before them (cleanups run last first): n1's
	// Close waits for its reader, held in Receive until release.
	t.Cleanup(func() { close(release) })
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	big := &router.Message{Kind: router.KindCast, Ensemble: "e1", Event: make([]byte, 60<<10), Budget: router.Infinity}
	var err error
	for i := 0; i < 2000 && err == nil; i++ {
		if err = n2.tr.Send("n1", big); err == nil {
			runtime.Gosched() // let the writer run: only a blocked peer may fill the queue
		}
	}
	if !errors.Is(err, router.ErrOverloaded) {
		t.Fatalf("after 2000 sends of 60KiB to a peer that does not read: %v, want ErrOverloaded", err)
	}
	return n2, big
}

type blockingReceiver struct{ release chan struct{} }

func (b *blockingReceiver) Receive(router.Message) { <-b.release }

// TestTooLarge: a message past the frame limit is refused at the sender, as
// unreachable (it never left), and the connection stays up.
func TestTooLarge(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", acc.addr)(c)
		c.MaxFrame = nettransport.MinMaxFrame
	})
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	err := n2.tr.Send("n1", &router.Message{Kind: router.KindCast, Event: make([]byte, nettransport.MinMaxFrame)})
	if !errors.Is(err, nettransport.ErrTooLarge) || !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("err = %v, want ErrTooLarge matching ErrUnreachable", err)
	}
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
		t.Fatalf("a small message after: %v", err)
	}
	if !await(func() bool { return len(acc.rec.messages()) == 1 }, acc.rec) || !n2.tr.Connected("n1") {
		t.Fatalf("n1 received %d messages (want the small one), connected %v", len(acc.rec.messages()), n2.tr.Connected("n1"))
	}
}

// TestLongName: a message naming an ensemble longer than the decoder accepts is
// refused at the sender, as unreachable; the connection stays up and carries the next
// message. Sent anyway, it would make the receiver close the connection as a bad frame.
func TestLongName(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", acc.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	long := router.EnsembleID(strings.Repeat("e", nettransport.MaxName+1))
	err := n2.tr.Send("n1", &router.Message{Kind: router.KindCast, Ensemble: long})
	const wantEns = "nettransport: message too large to send: the ensemble name has 1025 bytes, the longest is 1024 (MaxName)"
	if !errors.Is(err, nettransport.ErrTooLarge) || !errors.Is(err, router.ErrUnreachable) || !errors.Is(err, router.ErrTooLarge) || err.Error() != wantEns {
		t.Fatalf("err = %v, want %q, matching ErrTooLarge, router.ErrTooLarge and ErrUnreachable", err, wantEns)
	}
	longPeer := router.PeerRef{Ensemble: "e1", Name: strings.Repeat("p", nettransport.MaxName+1), Node: "n1"}
	err = n2.tr.Send("n1", &router.Message{Kind: router.KindPeer, Ensemble: "e1", Peer: longPeer, Call: router.CallID{Node: "n2", Seq: 1}})
	if !errors.Is(err, nettransport.ErrTooLarge) || !strings.Contains(err.Error(), "the peer name has 1025 bytes") {
		t.Fatalf("a peer name past MaxName: err = %v, want ErrTooLarge naming the peer", err)
	}
	// A call's node and a gossiped entry's ensemble too: the receiver would refuse
	// the frame and drop the connection.
	longNode := router.NodeID(strings.Repeat("n", nettransport.MaxName+1))
	err = n2.tr.Send("n1", &router.Message{Kind: router.KindRoute, Ensemble: "e1", Call: router.CallID{Node: longNode, Seq: 1}})
	if !errors.Is(err, nettransport.ErrTooLarge) || !strings.Contains(err.Error(), "the call's node name has 1025 bytes") {
		t.Fatalf("a call's node past MaxName: err = %v, want ErrTooLarge naming the call's node", err)
	}
	err = n2.tr.Send("n1", &router.Message{Kind: router.KindGossip, Entries: []router.Entry{{Ensemble: long, Version: 1}}})
	if !errors.Is(err, nettransport.ErrTooLarge) || !strings.Contains(err.Error(), "the directory entry's ensemble name has 1025 bytes") {
		t.Fatalf("a gossiped ensemble past MaxName: err = %v, want ErrTooLarge naming the entry's ensemble", err)
	}
	ok := router.EnsembleID(strings.Repeat("e", nettransport.MaxName))
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindCast, Ensemble: ok}); err != nil {
		t.Fatalf("a name of exactly MaxName bytes: %v", err)
	}
	if !await(func() bool { return len(acc.rec.messages()) == 1 }, acc.rec) {
		t.Fatalf("n1 received %d messages, want the one of MaxName", len(acc.rec.messages()))
	}
	if st := acc.tr.Stats(); st.BadFrames != 0 || !acc.tr.Connected("n2") {
		t.Fatalf("bad frames %d, connected %v", st.BadFrames, acc.tr.Connected("n2"))
	}
	if _, err := nettransport.New(nettransport.Config{ID: router.NodeID(long), Cluster: "test", Secret: secret}); !errors.Is(err, nettransport.ErrBadConfig) {
		t.Fatalf("an ID past MaxName: %v, want ErrBadConfig", err)
	}
}

// TestSimultaneousDial: two nodes that dial each other at once end with one
// connection that both use.
func TestSimultaneousDial(t *testing.T) {
	for range 10 {
		l1, l2 := listen(t), listen(t)
		peers := map[router.NodeID]string{"n1": l1.Addr().String(), "n2": l2.Addr().String()}
		var nodes []*node
		for i, l := range []net.Listener{l1, l2} {
			n := startNode(t, router.NodeID([]string{"n1", "n2"}[i]), false, func(c *nettransport.Config) { c.Peers = peers })
			go func() { _ = n.tr.Serve(l) }()
			nodes = append(nodes, n)
		}
		errs := make(chan error, 2)
		go func() { errs <- connect(t, nodes[0], "n2") }()
		go func() { errs <- connect(t, nodes[1], "n1") }()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for i, n := range nodes {
			other := router.NodeID([]string{"n2", "n1"}[i])
			if err := n.tr.Send(other, &router.Message{Kind: router.KindGossip}); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range nodes {
			if !await(func() bool { return len(n.rec.messages()) == 1 }, n.rec) {
				t.Fatal("a message did not arrive")
			}
			if c := n.tr.Stats().Connects; c != 1 {
				t.Fatalf("%d connections established, want 1", c)
			}
		}
		for _, n := range nodes {
			_ = n.tr.Close()
		}
	}
}

// tlsLoader writes a CA and certificates for nodes n1 and n2 (writeCerts) and
// returns what configures a node with its own, for mutual TLS, and the CA's file.
func tlsLoader(t *testing.T) (load func(name string) func(*nettransport.Config), ca string) {
	dir := t.TempDir()
	ca = writeCerts(t, dir)
	return func(name string) func(*nettransport.Config) {
		return func(c *nettransport.Config) {
			s, cl, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), ca)
			if err != nil {
				t.Fatal(err)
			}
			c.ServerTLS, c.ClientTLS = s, cl
		}
	}, ca
}

// TestTLS: nodes with certificates from one CA connect over mutual TLS; a node without
// a client certificate, or speaking plain TCP, is refused.
func TestTLS(t *testing.T) {
	load, ca := tlsLoader(t)
	acc := startNode(t, "n1", true, load("n1"))
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) { load("n2")(c); peersOf("n1", acc.addr)(c) })
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return len(acc.rec.messages()) == 1 }, acc.rec) {
		t.Fatal("nothing arrived over TLS")
	}

	noCert := startNode(t, "n3", false, func(c *nettransport.Config) {
		peersOf("n1", acc.addr)(c)
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(ca)
		pool.AppendCertsFromPEM(pem)
		c.ClientTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}
	})
	_ = noCert.tr.Send("n1", &router.Message{Kind: router.KindGossip})
	logged(t, acc, "refused connection", "certificate")

	plain := startNode(t, "n4", false, peersOf("n1", acc.addr))
	_ = plain.tr.Send("n1", &router.Message{Kind: router.KindGossip})
	logged(t, acc, "refused connection", "tls")
	if noCert.tr.Connected("n1") || plain.tr.Connected("n1") {
		t.Fatal("a node without a valid client certificate got connected")
	}
}

// TestTLSMismatchSaysSo: a plain node dialing a node with TLS, and a TLS node dialing
// a plain one, get ErrHungUp (the node dialed closes without a refusal: it cannot read
// the hello), with a message that names TLS on either side as the likely cause.
func TestTLSMismatchSaysSo(t *testing.T) {
	dir := t.TempDir()
	ca := writeCerts(t, dir)
	withTLS := func(name string) func(*nettransport.Config) {
		return func(c *nettransport.Config) {
			s, cl, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), ca)
			if err != nil {
				t.Fatal(err)
			}
			c.ServerTLS, c.ClientTLS = s, cl
		}
	}
	tlsNode, plainNode := startNode(t, "n1", true, withTLS("n1")), startNode(t, "n2", true, nil)
	for _, tc := range []struct {
		name string
		from *node
		to   router.NodeID
		want string
	}{
		{name: "plain to TLS", from: startNode(t, "c1", false, peersOf("n1", tlsNode.addr)), to: "n1",
			want: "does it use TLS? This side does not"},
		{name: "TLS to plain", from: startNode(t, "c2", false, func(c *nettransport.Config) { withTLS("n2")(c); peersOf("n2", plainNode.addr)(c) }), to: "n2",
			want: "does it run without TLS? This side uses TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := connect(t, tc.from, tc.to)
			if !errors.Is(err, nettransport.ErrHungUp) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("connect: %v; want ErrHungUp saying %q", err, tc.want)
			}
			// The cause stays an error, not only text: a caller may still test for it.
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("connect: %v; want the hang-up's cause (EOF or a reset) wrapped too", err)
			}
		})
	}
	// Nodes that agree on TLS never see it: a refusal is not a hang-up.
	wrong := startNode(t, "c3", false, func(c *nettransport.Config) { peersOf("n2", plainNode.addr)(c); c.Secret = []byte("another-secret") })
	if err := connect(t, wrong, "n2"); !errors.Is(err, nettransport.ErrRefused) || errors.Is(err, nettransport.ErrHungUp) {
		t.Fatalf("wrong secret: %v, want ErrRefused only", err)
	}
}

// writeCerts writes a CA and certificates for n1 and n2 (valid for 127.0.0.1) as PEM
// files in dir, and returns the CA file.
func writeCerts(t *testing.T, dir string) string { return testcerts.Write(t, dir, "n1", "n2") }

// TestFlushBeforeClose: what Send queued and Flush waited for reaches the other node
// even when the sender closes right after; Close alone drops what is still queued.
func TestFlushBeforeClose(t *testing.T) {
	b := startNode(t, "n2", true, nil)
	a := startNode(t, "n1", false, peersOf("n2", b.addr))
	if err := connect(t, a, "n2"); err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for i := range n {
		if err := a.tr.Send("n2", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n2", Seq: uint64(i + 1)}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_ = a.tr.Close()
	if !await(func() bool { return len(b.rec.messages()) == n }, b.rec) {
		t.Fatalf("n2 received %d of %d messages", len(b.rec.messages()), n)
	}
	if err := a.tr.Flush(ctx); err != nil {
		t.Fatalf("flush of a closed transport: %v, want nil (nothing queued)", err)
	}
}

// TestClosedBeforeHello: a connection that closes before a byte of its hello (a load
// balancer's TCP health check, a port scan) is logged at debug, saying what it likely
// was; one that closes in the middle of its hello is a warning that says so. Each
// used to be a warning reading only "EOF" or "unexpected EOF", one per probe.
func TestClosedBeforeHello(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	for _, tc := range []struct {
		send  []byte
		reset bool // close with a reset, as HAProxy's TCP checks do
	}{{nil, false}, {nil, true}, {[]byte{0xE5, 0x7E, nettransport.Version}, false}} {
		c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(acc.addr)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(tc.send); err != nil {
			t.Fatal(err)
		}
		if tc.reset {
			_ = c.SetLinger(0)
		}
		_ = c.Close()
	}
	logged(t, acc, "level=DEBUG", "refused connection", "closed before its hello (a TCP health check, or a port scan): EOF")
	logged(t, acc, "level=DEBUG", "refused connection", "closed before its hello (a TCP health check, or a port scan): read tcp")
	logged(t, acc, "level=WARN", "refused connection", "closed in the middle of the handshake: unexpected EOF")
	if n := strings.Count(acc.log.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want one, for the connection that closed mid-hello:\n%s", n, acc.log.String())
	}
	if st := acc.tr.Stats(); st.Refused != 1 {
		t.Fatalf("Refused = %d, want 1 (the connection that closed mid-hello; a probe is no handshake)", st.Refused)
	}
}

// TestLoadTLSCABundle: a CA bundle is PEM certificates and nothing else. One mangled
// certificate, a block of another kind, or text that is not PEM, is a configuration
// error naming the file and what in it is wrong, even when another certificate in it
// parses (x509.CertPool.AppendCertsFromPEM skips what it cannot read).
func TestLoadTLSCABundle(t *testing.T) {
	dir := t.TempDir()
	ca := writeCerts(t, dir)
	good, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "n1.key"))
	if err != nil {
		t.Fatal(err)
	}
	mangled := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER at all")})
	for _, tc := range []struct {
		name, bundle, want string // want: "" for a bundle that loads
	}{
		{"one certificate", string(good), ""},
		{"two, with space around", "\n" + string(good) + "\n\n" + string(good) + "\n", ""},
		{"a mangled certificate after a good one", string(good) + string(mangled), "certificate 2: x509: malformed certificate"},
		{"a key after a certificate", string(good) + string(key), `block 2 is not a CERTIFICATE but "EC PRIVATE KEY"`},
		{"text after a certificate", string(good) + "-----BEGIN CERT\nMIIB\n", "text that is not PEM after 1 certificates"},
		{"empty", "", "no PEM certificate"},
	} {
		f := filepath.Join(dir, "bundle.pem")
		if err := os.WriteFile(f, []byte(tc.bundle), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := nettransport.LoadTLS(filepath.Join(dir, "n1.pem"), filepath.Join(dir, "n1.key"), f)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "":
		case err == nil:
			t.Errorf("%s: loaded, want an error saying %q", tc.name, tc.want)
		case !errors.Is(err, nettransport.ErrBadConfig) || !strings.Contains(err.Error(), f) || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %v, want ErrBadConfig naming %s and saying %q", tc.name, err, f, tc.want)
		}
	}
}

// TestLoadTLSEndlessFile: a certificate, key or CA file given as /dev/zero (or any
// file far larger than PEM files are) is a configuration error naming it, after at most
// MaxPEMFile+1 bytes read; LoadTLS used to read it whole, until the node ran out of
// memory (and it reads these files again on SIGHUP, in a running node).
func TestLoadTLSEndlessFile(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	ca := writeCerts(t, dir)
	cert, key := filepath.Join(dir, "n1.pem"), filepath.Join(dir, "n1.key")
	for _, files := range [][3]string{{"/dev/zero", key, ca}, {cert, "/dev/zero", ca}, {cert, key, "/dev/zero"}} {
		_, _, err := nettransport.LoadTLS(files[0], files[1], files[2])
		if !errors.Is(err, nettransport.ErrBadConfig) || !strings.Contains(err.Error(), "/dev/zero: more than 4194304 bytes") {
			t.Errorf("LoadTLS(%q) = %v, want ErrBadConfig naming /dev/zero and the limit", files, err)
		}
	}
}

// TestCertTroubleHinted: a node whose dial fails on a certificate logs, beside the
// error crypto/tls gives (x509's "certificate signed by unknown authority", or the
// text of the peer's alert), a hint that says which side's certificate and what to
// give it: the peer's certificate not signed by a CA this node trusts, or this node's
// refused by a peer with a CA.
func TestCertTroubleHinted(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	caA, caB := writeCerts(t, dirA), writeCerts(t, dirB)
	tlsOf := func(dir, name, ca string) func(*nettransport.Config) {
		return func(c *nettransport.Config) {
			s, cl, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), ca)
			if err != nil {
				t.Fatal(err)
			}
			c.ServerTLS, c.ClientTLS = s, cl
		}
	}
	n1 := startNode(t, "n1", true, tlsOf(dirA, "n1", caA))
	for _, tc := range []struct {
		name string
		edit func(*nettransport.Config)
		want []string
	}{
		{name: "the peer's certificate of another CA", edit: tlsOf(dirB, "n2", caB),
			want: []string{"certificate signed by unknown authority", `hint="the peer's certificate is not signed by a CA this node trusts`}},
		{name: "this node's certificate of another CA", edit: tlsOf(dirB, "n2", caA),
			want: []string{`hint="the peer refused this node's certificate`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n2 := startNode(t, "n2", false, func(c *nettransport.Config) { tc.edit(c); peersOf("n1", n1.addr)(c) })
			if err := connect(t, n2, "n1"); err == nil {
				t.Fatal("connected")
			}
			logged(t, n2, append([]string{"cannot connect", "peer=n1"}, tc.want...)...)
		})
	}
	// Trouble of another kind gets no hint.
	if strings.Contains(n1.log.String(), "hint=") {
		t.Fatalf("n1 logged a hint:\n%s", n1.log.String())
	}
}

// TestTLSVersionFloor: the configurations LoadTLS builds speak TLS 1.3 only, on
// either side of a connection: a peer that offers at most TLS 1.2 fails the
// handshake, and one that offers 1.3 gets through (the same certificates).
func TestTLSVersionFloor(t *testing.T) {
	dir := t.TempDir()
	ca := writeCerts(t, dir)
	load := func(name string) (server, client *tls.Config) {
		s, c, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), ca)
		if err != nil {
			t.Fatal(err)
		}
		return s, c
	}
	n1server, _ := load("n1")
	_, n2client := load("n2")
	capped := func(c *tls.Config, version uint16) *tls.Config {
		c = c.Clone()
		c.MinVersion, c.MaxVersion = tls.VersionTLS12, version
		return c
	}
	// handshake runs a client and a server handshake over loopback TCP and returns
	// the client's error, or the server's.
	handshake := func(server, client *tls.Config) error {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		errs := make(chan error, 1)
		go func() {
			nc, err := l.Accept()
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			errs <- tls.Server(nc, server).Handshake()
		}()
		nc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		client = client.Clone()
		client.ServerName = "127.0.0.1"
		return cmp.Or(tls.Client(nc, client).Handshake(), <-errs)
	}
	for _, tc := range []struct {
		name           string
		server, client *tls.Config
		ok             bool
	}{
		{"both as loaded", n1server, n2client, true},
		{"a client of TLS 1.3 at most", n1server, capped(n2client, tls.VersionTLS13), true},
		{"a client of TLS 1.2 at most", n1server, capped(n2client, tls.VersionTLS12), false},
		{"a server of TLS 1.2 at most", capped(n1server, tls.VersionTLS12), n2client, false},
	} {
		err := handshake(tc.server, tc.client)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "protocol version")) {
			t.Errorf("%s: %v, want the handshake refused for its protocol version", tc.name, err)
		}
	}
}

// TestRefusalFloodLoggedOnce: a stranger cannot fill the log by making each refusal
// look new. Refusals of one host are told apart by their kind and the member
// refused, not by the error's text, which holds what the stranger sent (its first
// bytes, a cluster name, an id) and its port: 30 connections of garbage that differs
// in every byte, then 30 hellos each naming another cluster and another id, give
// one warning each; the rest are at debug, and counted when the next is logged. An
// HTTP request and a TLS hello among them are garbage of kinds of their own, each
// warned of with its hint. Over loopback TCP.
func TestRefusalFloodLoggedOnce(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	const n = 30
	send := func(b []byte) {
		c, err := net.Dial("tcp", acc.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second)) // the node closes at once
		if _, err := io.ReadAll(c); err != nil {
			t.Fatalf("the node did not close the connection: %v", err)
		}
	}
	for i := range n {
		garbage := make([]byte, 16)
		for j := range garbage {
			garbage[j] = byte(i*17 + j*3 + 1) // the first byte is never the magic's 0xE5 (nor TLS's 0x16) for i < 30
		}
		send(garbage)
	}
	// Garbage of another kind, whose hint must not be kept quiet by the garbage above.
	send([]byte("GET / HTTP/1.0\r\n\r\n"))
	send([]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"))
	for i := range n {
		send(rawHello(nettransport.Version, fmt.Sprint("other", i), fmt.Sprint("x", i)))
	}
	if !await(func() bool { return strings.Count(acc.log.String(), "refused connection") == 2*n+2 }) {
		t.Fatalf("want %d refusals logged; log:\n%s", 2*n+2, acc.log.String())
	}
	var warned []string
	for _, line := range strings.Split(acc.log.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "refused connection") {
			warned = append(warned, line)
		}
	}
	// One of each kind, in whatever order the connections' goroutines logged them.
	kinds := map[string]int{}
	for _, w := range warned {
		switch {
		case strings.Contains(w, "an HTTP request"):
			kinds["http"]++
		case strings.Contains(w, "a TLS handshake"):
			kinds["tls"]++
		case strings.Contains(w, "bad magic"):
			kinds["garbage"]++
		case strings.Contains(w, `cluster \"other`):
			kinds["cluster"]++
		}
	}
	if want := map[string]int{"garbage": 1, "http": 1, "tls": 1, "cluster": 1}; len(warned) != 4 || !maps.Equal(kinds, want) {
		t.Fatalf("%d warnings, want 4 (a garbage, the HTTP request, the TLS hello, a wrong cluster):\n%s", len(warned), strings.Join(warned, "\n"))
	}
	if got := strings.Count(acc.log.String(), "repeat=true"); got != 2*n-2 {
		t.Errorf("%d refusals at debug, want %d", got, 2*n-2)
	}
}

// TestResetMidHello: a connection reset after part of its hello (a dialer killed,
// a middlebox) is a warning that says so, not the bare "read tcp a->b: connection
// reset by peer". The reset comes once the node has read what was sent and waits
// for the rest (its second read of the connection has begun): a reset before it read
// the bytes would discard them, and be a probe's (TestClosedBeforeHello). Over
// loopback TCP.
func TestResetMidHello(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	hello := rawHello(nettransport.Version, "test", "n9")
	before := acc.tr.Stats().Reads
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(acc.addr)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(hello[:len(hello)-5]); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return acc.tr.Stats().Reads >= before+2 }) {
		t.Fatalf("the node did not read the part of the hello sent (%d reads)", acc.tr.Stats().Reads-before)
	}
	_ = c.SetLinger(0)
	_ = c.Close()
	logged(t, acc, "level=WARN", "refused connection", "the connection was reset in the middle of the handshake: read tcp")
}
