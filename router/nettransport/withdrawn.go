package nettransport

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/ensroute/ensroute/router"
)

// A connection remembers what the other node proved at its handshake (proved): which
// secret, and, over TLS, the certificate chain this side verified. SetCredentials
// checks every connection up against the new credentials, and drops those whose
// proof a new handshake would refuse: a secret removed from those accepted, or a
// certificate no longer signed by a CA trusted (for the use it was checked for:
// client certificates against ServerTLS.ClientCAs, the server's against
// ClientTLS.RootCAs and the name dialed). Each node judges only what it took as
// proof, so each side of a connection drops it at its own reload.
//
// A connection is dropped so that no call is lost where that can be avoided. The node
// that drops it first replaces it, when it can dial the other (a member) and the
// other reads ctlReplace (replace): a new connection, made with the proofs each holds
// now, takes its place on both sides before it closes, so that messages always have a
// connection to go on. The other node takes it in the old one's place once this
// node's first frame on it says this node took it (conn.confirm): this node may
// refuse the other's proof at that handshake, and then the old one stays the other
// node's until it ends, carrying what it sends meanwhile. Then the old one ends as a
// node that stops ends its own (goodbye.go): this side says goodbye on it, and the
// other node, from then on, sends it nothing but replies; once it acknowledges (or
// after Config.GoodbyeTimeout without a word from it), this side has read everything
// the other sent on it, writes what it has queued, closes its half, and reads to the
// end (at most Config.CloseLinger). The goodbye, and its acknowledgement, are the
// last frames each node sends on it after it moved to the new one: each side hands
// over nothing from the new connection until it has read the other's (conn.drained),
// so that messages from one node arrive in the order they were sent. The new
// connection is not announced to the ConnObserver: the node stayed connected. When it
// cannot be replaced (a client, which has no address; a node that does not hold a
// proof accepted now), it ends the same way as the peer's connection: the other node
// fails its new requests at once (as to a node not connected) rather than leave them
// in a queue that the close would lose, replies sent meanwhile are held
// (Config.ReplyHold), and the dial loops redial.

// proved is what the other node of a connection proved at its handshake.
type proved struct {
	// secret is the digest of the secret it proved (secretDigest): never the secret.
	secret [sha256.Size]byte
	// creds are the credentials the handshake checked it with; nil for a connection
	// made by no handshake of this transport, which is never dropped.
	creds *Credentials
	// chain is the TLS certificate chain it presented, leaf first, if this side
	// verified it; usage and host are what it was verified for (host: the name the
	// dialer checked the server's certificate for), at is when.
	chain []*x509.Certificate
	usage x509.ExtKeyUsage
	host  string
	at    time.Time
}

// secretDigest is what a connection keeps of the secret its other side proved.
func secretDigest(s []byte) [sha256.Size]byte { return sha256.Sum256(s) }

// addTLS adds to pr the certificate chain nc's other side presented, when nc is TLS
// and this side verified that chain; inbound says which side this is, and host is
// the name a dialer verified the server's certificate for.
func (pr *proved) addTLS(nc net.Conn, inbound bool, host string) {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return
	}
	st := tc.ConnectionState()
	if len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
		return // not verified (no CA asked for it, or verification skipped): nothing to withdraw
	}
	pr.chain, pr.at = st.PeerCertificates, time.Now()
	pr.usage, pr.host = x509.ExtKeyUsageServerAuth, host
	if inbound {
		pr.usage, pr.host = x509.ExtKeyUsageClientAuth, ""
	}
}

// accepts reports whether cr takes the secret of digest d as proof.
func (cr *Credentials) accepts(d [sha256.Size]byte) bool {
	return secretDigest(cr.Secret) == d || slices.ContainsFunc(cr.AcceptSecrets, func(s []byte) bool { return secretDigest(s) == d })
}

// refusedBy says why cr would refuse, at a new handshake, what the connection's
// other side proved at its own; "" if it would not. The certificate is checked as
// of the handshake: a certificate that expired since is no proof withdrawn by new
// credentials (a new handshake refuses it for its dates, as it would have without
// them).
func (c *conn) refusedBy(cr *Credentials) string {
	pr := &c.proof
	if pr.creds == nil {
		return ""
	}
	if !cr.accepts(pr.secret) {
		return fmt.Sprintf("%s proved a secret no longer accepted", c.p.id)
	}
	if len(pr.chain) == 0 {
		return ""
	}
	var roots *x509.CertPool
	what := "ServerTLS.ClientCAs, ensnode's --tls-ca"
	if pr.usage == x509.ExtKeyUsageClientAuth {
		tc := cr.ServerTLS
		if tc == nil || tc.ClientAuth < tls.VerifyClientCertIfGiven {
			return "" // client certificates are no longer checked: a new handshake takes any
		}
		roots = tc.ClientCAs
	} else {
		tc := cr.ClientTLS
		what = "ClientTLS.RootCAs, ensnode's --tls-ca"
		if tc == nil || tc.InsecureSkipVerify {
			return ""
		}
		roots = tc.RootCAs
	}
	inter := x509.NewCertPool()
	for _, ic := range pr.chain[1:] {
		inter.AddCert(ic)
	}
	leaf := pr.chain[0]
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: pr.host,
		KeyUsages: []x509.ExtKeyUsage{pr.usage}, CurrentTime: pr.at})
	if err == nil {
		return ""
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return fmt.Sprintf("%s's certificate, issued by %s, is not signed by a CA now trusted (%s)", c.p.id, leaf.Issuer, what)
	}
	return fmt.Sprintf("%s's certificate, issued by %s, no longer verifies: %v", c.p.id, leaf.Issuer, err)
}

// errWithdrawn is the reason of a connection dropped for a proof withdrawn.
var errWithdrawn = errors.New("nettransport: dropped: the proof the other node connected with is no longer accepted (SetCredentials)")

// dropWithdrawn drops every connection up whose other side's proof cr refuses, and
// returns how many it dropped.
func (t *Transport) dropWithdrawn(cr *Credentials) int {
	peers := *t.peers.Load()
	ids := make([]router.NodeID, 0, len(peers))
	for id := range peers {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the warnings in a stable order
	n := 0
	for _, id := range ids {
		p := peers[id]
		c := p.conn.Load()
		if c == nil {
			continue
		}
		if why := c.refusedBy(cr); why != "" && c.drop(why) {
			n++
		}
	}
	return n
}

// recheck drops c, a connection just up, if credentials set since its handshake
// began refuse what it proved: the scan of SetCredentials may have run before it was
// installed.
func (t *Transport) recheck(c *conn) {
	cr := t.Credentials()
	if c.proof.creds == nil || cr == c.proof.creds || cr.KeepWithdrawn || t.isLeaving() {
		return
	}
	if why := c.refusedBy(cr); why != "" {
		c.drop(why)
	}
}

// drop ends c, whose other side's proof is withdrawn (why), once: counted, warned
// of, and closed in the background (drain). It reports whether this call dropped it.
func (c *conn) drop(why string) bool {
	t := c.t
	if !c.dropped.CompareAndSwap(false, true) {
		return false
	}
	select {
	case <-c.done:
		return false // gone already
	default:
	}
	t.stats.withdrawn.Add(1)
	t.log.Warn("dropping connection: the other node's proof is withdrawn", "peer", string(c.p.id), "incarnation", uint64(c.inc),
		"reason", why)
	if !t.spawn(c.drain) {
		c.close(errWithdrawn)
	}
	return true
}

// drain closes c as described above: replaced first, when it can be (replace), then
// a goodbye, its acknowledgement, finish, the other side's close.
func (c *conn) drain() {
	t := c.t
	c.replace()
	limit := time.NewTimer(t.cfg.GoodbyeLimit)
	defer limit.Stop()
	if c.byOther.Load() {
		// The other node dropped it too, and its replacement won: it says goodbye
		// on c once that replacement is its connection, and ends c. A goodbye from
		// this side could reach it before, while c is still its only connection,
		// and stop its sends until it closes.
		select {
		case <-c.done:
		case <-limit.C:
		case <-t.ctx.Done():
		}
		c.close(errWithdrawn)
		return
	}
	window := time.NewTimer(t.cfg.GoodbyeTimeout)
	defer window.Stop()
	if c.sayGoodbye() {
	wait:
		for {
			select {
			case <-c.acked:
				break wait
			case <-c.done:
				return
			case <-t.ctx.Done():
				break wait
			case <-limit.C:
				break wait
			case <-window.C:
				// Its queue may still be arriving ahead of the acknowledgement.
				if !c.dr.heardWithin(t.cfg.GoodbyeTimeout) {
					break wait
				}
				window.Reset(t.cfg.GoodbyeTimeout)
			}
		}
	}
	if t.isLeaving() && !c.succeeded.Load() {
		// The node said goodbye meanwhile (Goodbye): the other node sends it no more
		// requests, but it still owes answers to those it took, and no connection is
		// made after a goodbye. The connection stays the peer's until Close ends it.
		select {
		case <-c.done:
		case <-t.ctx.Done():
		}
		return
	}
	c.finish()
	if t.cfg.CloseLinger > 0 {
		linger := time.NewTimer(t.cfg.CloseLinger)
		defer linger.Stop()
		select {
		case <-c.ended:
		case <-linger.C:
		case <-t.ctx.Done():
		}
	}
	c.close(errWithdrawn)
}

// replace dials, when this node has the other's address and the other declared
// featReplace, a connection to take c's place before c closes: make before break.
// Until the new connection is up, calls go on over c, and once it is, over the new
// one, so that none fails for want of a connection, as one would in the time the
// two nodes take to redial. The other node is told first (ctlReplace), and takes a
// connection of the same incarnation in c's place once it has acknowledged. Without
// an acknowledgement within Config.GoodbyeTimeout, or if the new connection fails
// (the other node does not hold a proof this one accepts now, or refuses this
// node's), c is closed as the peer's connection, and the dial loop redials.
func (c *conn) replace() {
	t, p := c.t, c.p
	if p.addr == "" {
		return
	}
	wait := time.NewTimer(t.cfg.GoodbyeTimeout)
	defer wait.Stop()
	// Whether the other node takes a replacement its first frame says, which follows
	// the handshake at once; a SIGHUP may come before it is read.
	select {
	case <-c.known:
	case <-c.done:
		return
	case <-wait.C:
		return
	case <-t.ctx.Done():
		return
	}
	if c.lacks(featReplace) || !c.sendControl(ctlReplace) {
		return
	}
	wait.Reset(t.cfg.GoodbyeTimeout)
	select {
	case <-c.replaceAcked:
	case <-c.done:
		return
	case <-wait.C:
		t.log.Debug("no acknowledgement of the replacement of a connection whose proof is withdrawn: closing it", "peer", string(p.id))
		return
	case <-t.ctx.Done():
		return
	}
	err := p.dialOver(c)
	var re *RefusedError
	switch {
	case err == nil, c.succeeded.Load():
		if err != nil {
			t.log.Debug("a connection whose proof is withdrawn was replaced by the other node's", "peer", string(p.id), "err", err)
		}
	case errors.Is(err, errReplaced), errors.As(err, &re) && (re.Code == RefuseRace || re.Code == RefuseDuplicate):
		// The other node dropped it too, and dials the replacement that wins (as
		// for crossing dials, the smaller id's): its goodbye waits for it, so that
		// the other node never takes c for a node leaving while c is its only
		// connection.
		t.log.Debug("a connection whose proof is withdrawn is being replaced by the other node's", "peer", string(p.id), "err", err)
		wait.Reset(t.cfg.GoodbyeTimeout)
		select {
		case <-c.successor:
		case <-c.done:
		case <-wait.C:
		case <-t.ctx.Done():
		}
	default:
		t.log.Info("a connection whose proof is withdrawn could not be replaced before it closes: it closes now, and the node is redialed", "peer", string(p.id), "err", err)
	}
}
