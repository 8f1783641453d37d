package nettransport_test

import (
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// dropped waits until n has dropped want connections for a proof withdrawn.
func dropped(t *testing.T, n *node, want uint64) {
	t.Helper()
	if !await(func() bool { return n.tr.Stats().Withdrawn == want }) {
		t.Fatalf("Stats.Withdrawn = %d, want %d; log:\n%s", n.tr.Stats().Withdrawn, want, n.log.String())
	}
}

// reconnected waits until from is connected to id again after a disconnection.
func reconnected(t *testing.T, from *node, id router.NodeID) {
	t.Helper()
	if !await(func() bool { return from.tr.Stats().Disconnects >= 1 && from.tr.Connected(id) }) {
		t.Fatalf("did not reconnect to %s (%d disconnects); log:\n%s", id, from.tr.Stats().Disconnects, from.log.String())
	}
}

// TestWithdrawnSecretDropped: the third step of a secret rotation (SetCredentials
// without the old secret) drops the connection a node made with the old secret, and
// that node, which proves the new one by then, reconnects at once; a connection
// made with the new secret stays up. Each side judges only the proof it took: n2,
// whose acceptor proved the new secret, drops nothing.
func TestWithdrawnSecretDropped(t *testing.T) {
	old, next := []byte("the-old-cluster-secret"), []byte("the-new-cluster-secret")
	n1 := startNode(t, "n1", true, func(c *nettransport.Config) { c.Secret, c.AcceptSecrets = next, [][]byte{old} })
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", n1.addr)(c)
		c.Secret, c.AcceptSecrets = old, [][]byte{next} // step 1
	})
	n3 := startNode(t, "n3", false, func(c *nettransport.Config) {
		peersOf("n1", n1.addr)(c)
		c.Secret, c.AcceptSecrets = next, [][]byte{old} // step 2
	})
	for _, n := range []*node{n2, n3} {
		if err := connect(t, n, "n1"); err != nil {
			t.Fatal(err)
		}
	}
	// n2 takes step 2: its connection stays (n1 proved the new secret, which it
	// still accepts), and it proves the new secret from now on.
	if err := n2.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
		t.Fatal(err)
	}
	dropped(t, n1, 1)
	logged(t, n1, "level=WARN", "dropping connection", "peer=n2", "n2 proved a secret no longer accepted")
	reconnected(t, n2, "n1")
	if !await(func() bool { return n1.tr.Connected("n2") }) {
		t.Fatal("n1 does not see n2 again")
	}
	// Dropped with a goodbye: n2 heard it, and calls the close no crash.
	logged(t, n2, "peer leaving", "peer=n1")
	if strings.Contains(n2.log.String(), "without a goodbye") {
		t.Errorf("n2 took the drop for a crash:\n%s", n2.log.String())
	}
	logged(t, n1, "disconnected", "peer=n2", "no longer accepted")
	if s := n3.tr.Stats(); s.Disconnects != 0 || !n3.tr.Connected("n1") {
		t.Errorf("n3, connected with the new secret, was dropped (%d disconnects)", s.Disconnects)
	}
	if got := n2.tr.Stats().Withdrawn + n3.tr.Stats().Withdrawn; got != 0 {
		t.Errorf("the dialers dropped %d connections, want 0: their acceptor proved the new secret", got)
	}
	if strings.Contains(n1.log.String(), string(old)) {
		t.Error("the log holds the old secret")
	}
	// A message still goes through the new connection.
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return len(n1.rec.messages()) > 0 }, n1.rec) {
		t.Fatal("nothing arrived over the new connection")
	}
}

// TestWithdrawnSecretKept: with KeepWithdrawn, SetCredentials leaves the connection
// made with the removed secret up, as before drops existed.
func TestWithdrawnSecretKept(t *testing.T) {
	old, next := []byte("the-old-cluster-secret"), []byte("the-new-cluster-secret")
	n1 := startNode(t, "n1", true, func(c *nettransport.Config) { c.Secret, c.AcceptSecrets = next, [][]byte{old} })
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", n1.addr)(c)
		c.Secret, c.AcceptSecrets = old, [][]byte{next}
	})
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next, KeepWithdrawn: true}); err != nil {
		t.Fatal(err)
	}
	if s := n1.tr.Stats(); s.Withdrawn != 0 || s.Disconnects != 0 || !n1.tr.Connected("n2") {
		t.Fatalf("KeepWithdrawn: %+v, connected %v", s, n1.tr.Connected("n2"))
	}
}

// caSets writes two CAs, each with certificates for n1, n2 and n3, and a bundle of
// both; tlsOf configures a node with its certificate of one set and a CA file.
func caSets(t *testing.T) (oldDir, newDir, oldCA, newCA, bundle string) {
	oldDir, newDir = t.TempDir(), t.TempDir()
	oldCA = testcerts.Write(t, oldDir, "n1", "n2", "n3")
	newCA = testcerts.Write(t, newDir, "n1", "n2", "n3")
	bundle = filepath.Join(t.TempDir(), "bundle.pem")
	writeBundle(t, bundle, oldCA, newCA)
	return oldDir, newDir, oldCA, newCA, bundle
}

func tlsCreds(t *testing.T, dir, name, ca string) nettransport.Credentials {
	t.Helper()
	s, cl, err := nettransport.LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), ca)
	if err != nil {
		t.Fatal(err)
	}
	return nettransport.Credentials{Secret: secret, ServerTLS: s, ClientTLS: cl}
}

func withTLS(cr nettransport.Credentials) func(*nettransport.Config) {
	return func(c *nettransport.Config) { c.ServerTLS, c.ClientTLS = cr.ServerTLS, cr.ClientTLS }
}

// TestWithdrawnCADropped: the third step of a CA rotation (the old CA removed from
// the bundle) drops, on the node that accepted it, the connection whose client
// certificate the old CA issued; the dialer, holding a certificate of the new CA by
// then, reconnects with it. A connection made with a certificate of the new CA stays.
func TestWithdrawnCADropped(t *testing.T) {
	oldDir, newDir, _, newCA, bundle := caSets(t)
	n1 := startNode(t, "n1", true, withTLS(tlsCreds(t, newDir, "n1", bundle)))
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		withTLS(tlsCreds(t, oldDir, "n2", bundle))(c)
		peersOf("n1", n1.addr)(c)
	})
	n3 := startNode(t, "n3", false, func(c *nettransport.Config) {
		withTLS(tlsCreds(t, newDir, "n3", bundle))(c)
		peersOf("n1", n1.addr)(c)
	})
	for _, n := range []*node{n2, n3} {
		if err := connect(t, n, "n1"); err != nil {
			t.Fatal(err)
		}
	}
	// n2 renews its certificate (step 2): its connection, whose acceptor showed a
	// certificate of the new CA, stays.
	if err := n2.tr.SetCredentials(tlsCreds(t, newDir, "n2", bundle)); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.SetCredentials(tlsCreds(t, newDir, "n1", newCA)); err != nil {
		t.Fatal(err)
	}
	dropped(t, n1, 1)
	logged(t, n1, "level=WARN", "dropping connection", "peer=n2", "n2's certificate, issued by CN=test ca, is not signed by a CA now trusted")
	reconnected(t, n2, "n1")
	if s := n3.tr.Stats(); s.Disconnects != 0 || !n3.tr.Connected("n1") {
		t.Errorf("n3, whose certificate the new CA issued, was dropped (%d disconnects)", s.Disconnects)
	}
	if got := n2.tr.Stats().Withdrawn + n3.tr.Stats().Withdrawn; got != 0 {
		t.Errorf("the dialers dropped %d connections, want 0", got)
	}
}

// TestWithdrawnCADroppedByDialer: a dialer judges the acceptor's certificate, which
// it verified against its ClientTLS RootCAs: once it no longer trusts the CA that
// issued it, it drops the connection, and does not connect again to a node that
// still shows that certificate.
func TestWithdrawnCADroppedByDialer(t *testing.T) {
	oldDir, newDir, _, newCA, bundle := caSets(t)
	n1 := startNode(t, "n1", true, withTLS(tlsCreds(t, oldDir, "n1", bundle)))
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		withTLS(tlsCreds(t, newDir, "n2", bundle))(c)
		peersOf("n1", n1.addr)(c)
	})
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n2.tr.SetCredentials(tlsCreds(t, newDir, "n2", newCA)); err != nil {
		t.Fatal(err)
	}
	dropped(t, n2, 1)
	logged(t, n2, "level=WARN", "dropping connection", "peer=n1", "n1's certificate, issued by CN=test ca, is not signed by a CA now trusted")
	if !await(func() bool { return !n2.tr.Connected("n1") }) {
		t.Fatal("n2 still connected to n1")
	}
	logged(t, n2, "cannot connect", "peer=n1", "certificate")
	if n1.tr.Stats().Withdrawn != 0 {
		t.Error("n1 dropped a connection: it accepted n2's certificate, which its bundle still trusts")
	}
}

func (n *node) id() router.NodeID { id, _ := n.tr.Identity(); return id }

// startOn is startNode serving l, a listener made before, so that two nodes can
// each be given the other's address.
func startOn(t *testing.T, id router.NodeID, l net.Listener, edit func(*nettransport.Config)) *node {
	t.Helper()
	n := &node{rec: newRecorder(), log: &syncBuffer{}, addr: l.Addr().String()}
	cfg := nettransport.Config{
		ID: id, Incarnation: 1, Cluster: "test", Secret: secret,
		Logger:     slog.New(slog.NewTextHandler(n.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
	}
	edit(&cfg)
	tr, err := nettransport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.tr = tr
	tr.Attach(n.rec)
	go func() { _ = tr.Serve(l) }()
	t.Cleanup(func() { _ = tr.Close() })
	return n
}

// The secrets of a rotation in the tests of withdrawn proofs.
var oldSecret, nextSecret = []byte("the-old-cluster-secret"), []byte("the-new-cluster-secret")

// rotatingPair starts members n1 and n2, each given the other's address, at a secret
// rotation's second step: n1 proves the new secret and accepts the old, n2 the old
// and accepts the new (so that n1's SetCredentials(nextSecret alone) withdraws what
// n2 proved). edit1, if not nil, changes n1's Config further. They are not
// connected yet.
func rotatingPair(t *testing.T, edit1 func(*nettransport.Config)) (n1, n2 *node) {
	t.Helper()
	l1, l2 := listen(t), listen(t)
	addrs := map[router.NodeID]string{"n1": l1.Addr().String(), "n2": l2.Addr().String()}
	n1 = startOn(t, "n1", l1, func(c *nettransport.Config) {
		c.Peers, c.Secret, c.AcceptSecrets = addrs, nextSecret, [][]byte{oldSecret}
		if edit1 != nil {
			edit1(c)
		}
	})
	n2 = startOn(t, "n2", l2, func(c *nettransport.Config) {
		c.Peers, c.Secret, c.AcceptSecrets = addrs, oldSecret, [][]byte{nextSecret}
	})
	return n1, n2
}

// TestWithdrawnReplacedWithoutLoss: between two members, which can dial each other,
// the node that drops a connection made with a withdrawn secret replaces it before
// it closes: messages sent both ways all the while are each accepted by Send and
// delivered (where a connection closed first, then redialed, fails the sends of the
// gap as unreachable). Neither node logs a goodbye or a disconnection of the node.
func TestWithdrawnReplacedWithoutLoss(t *testing.T) {
	old, next := oldSecret, nextSecret
	n1, n2 := rotatingPair(t, nil)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n2.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
		t.Fatal(err)
	}
	// Both send without pause from before the drop until well after it.
	st := stream(t, n1, n2)
	st.sending(50)
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
		t.Fatal(err)
	}
	dropped(t, n1, 1)
	if !await(func() bool { return n1.tr.Stats().Disconnects == 1 && n1.tr.Connected("n2") && n2.tr.Connected("n1") }) {
		t.Fatal("the connection was not dropped and made anew")
	}
	st.sending(50)
	st.check()
	for _, n := range []*node{n1, n2} {
		if l := n.log.String(); strings.Contains(l, "peer leaving") || strings.Contains(l, "without a goodbye") {
			t.Errorf("a node took the replacement for a node leaving or lost:\n%s", l)
		}
	}
	logged(t, n1, "disconnected", "peer=n2", "replaced by a new connection")
	logged(t, n2, "disconnected", "peer=n1", "replaced by a new connection")
}

// streams sends messages between two nodes both ways, paced, until check.
type streams struct {
	t        *testing.T
	nodes    [2]*node
	wg       sync.WaitGroup
	stop     chan struct{}
	sent     [2]atomic.Int64
	failed   [2]atomic.Int64
	firstErr [2]atomic.Value
}

func stream(t *testing.T, a, b *node) *streams {
	st := &streams{t: t, nodes: [2]*node{a, b}, stop: make(chan struct{})}
	for i, from := range st.nodes {
		to := st.nodes[1-i].id()
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			tick := time.NewTicker(100 * time.Microsecond) // paced: a full queue would refuse sends too
			defer tick.Stop()
			for {
				select {
				case <-st.stop:
					return
				case <-tick.C:
				}
				if err := from.tr.Send(to, &router.Message{Kind: router.KindGossip}); err != nil {
					st.failed[i].Add(1)
					st.firstErr[i].CompareAndSwap(nil, err.Error())
				} else {
					st.sent[i].Add(1)
				}
			}
		}()
	}
	t.Cleanup(func() {
		select {
		case <-st.stop:
		default:
			close(st.stop)
		}
		st.wg.Wait()
	})
	return st
}

// sending waits until both have sent n more.
func (st *streams) sending(n int64) {
	st.t.Helper()
	a, b := st.sent[0].Load(), st.sent[1].Load()
	if !await(func() bool { return st.sent[0].Load() >= a+n && st.sent[1].Load() >= b+n }) {
		st.t.Fatal("the senders stopped")
	}
}

// check stops the senders, and fails the test unless every send was accepted and
// every message delivered.
func (st *streams) check() {
	t := st.t
	t.Helper()
	close(st.stop)
	st.wg.Wait()
	for i := range 2 {
		if st.failed[i].Load() != 0 {
			t.Errorf("%s to %s: %d sends failed (first: %v), %d accepted", st.nodes[i].id(), st.nodes[1-i].id(),
				st.failed[i].Load(), st.firstErr[i].Load(), st.sent[i].Load())
		}
	}
	a, b := st.nodes[0], st.nodes[1]
	if !await(func() bool {
		return int64(len(b.rec.messages())) >= st.sent[0].Load() && int64(len(a.rec.messages())) >= st.sent[1].Load()
	}, a.rec, b.rec) {
		t.Errorf("delivered %d of %d to %s, %d of %d to %s", len(b.rec.messages()), st.sent[0].Load(), b.id(),
			len(a.rec.messages()), st.sent[1].Load(), a.id())
	}
}

// TestWithdrawnOnBothSides: two members that drop their connection at the same
// moment (each proved the old secret to the other, and both take the third step of
// the rotation at once) each dial a replacement; one wins, as with crossing dials (or one takes the
// other's place before the other's reload looks at it), and they end up connected
// once, no message sent all the while lost.
func TestWithdrawnOnBothSides(t *testing.T) {
	old, next := []byte("the-old-cluster-secret"), []byte("the-new-cluster-secret")
	l1, l2 := listen(t), listen(t)
	addrs := map[router.NodeID]string{"n1": l1.Addr().String(), "n2": l2.Addr().String()}
	step1 := func(c *nettransport.Config) { c.Peers, c.Secret, c.AcceptSecrets = addrs, old, [][]byte{next} }
	n1, n2 := startOn(t, "n1", l1, step1), startOn(t, "n2", l2, step1)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	// Messages both ways all the while: none may fail. (Each node has read the
	// other's first frame, which declares that it takes a replacement.)
	st := stream(t, n1, n2)
	st.sending(50)
	// Step 2 on both: each proves the new secret from now on, and the connection,
	// made with the old, stays.
	for _, n := range []*node{n1, n2} {
		if err := n.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, n := range []*node{n1, n2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Each drops it, unless the other's replacement took its place first.
	if !await(func() bool { return n1.tr.Stats().Withdrawn+n2.tr.Stats().Withdrawn >= 1 }) {
		t.Fatal("nothing dropped")
	}
	for _, n := range []*node{n1, n2} {
		if w := n.tr.Stats().Withdrawn; w > 1 {
			t.Errorf("%s dropped %d connections, want at most 1", n.id(), w)
		}
		if !await(func() bool { return n.tr.Stats().Disconnects >= 1 }) {
			t.Fatalf("%s: the connection dropped did not close; log:\n%s", n.id(), n.log.String())
		}
	}
	if !await(func() bool { return n1.tr.Connected("n2") && n2.tr.Connected("n1") }) {
		t.Fatal("not connected again")
	}
	st.sending(50)
	st.check()
	for _, n := range []*node{n1, n2} {
		if s := n.tr.Stats(); s.Connects-s.Disconnects != 1 {
			t.Errorf("%+v: want one connection up", s)
		}
	}
}
