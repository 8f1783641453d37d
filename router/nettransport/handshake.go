package nettransport

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"unicode/utf8"

	"github.com/ensroute/ensroute/router"
)

// The handshake, on a fresh connection, before any message:
//
//	dialer   -> acceptor  hello:     cluster, node id, incarnation, nonce D
//	acceptor -> dialer    challenge: cluster, node id, incarnation, nonce A
//	dialer   -> acceptor  auth:      HMAC(secret, "dialer", both ids and incarnations, D, A)
//	acceptor -> dialer    welcome:   HMAC(secret, "acceptor", ..., D, A)
//
// Either side may answer with a refuse frame carrying a RefuseCode instead, and closes
// the connection. The secret itself never travels; each proof covers both fresh nonces,
// both identities and a role label, so it cannot be replayed on another connection or
// reflected back. Both sides check the protocol version (in every frame header) and
// the cluster name before anything else.

// RefuseCode says why one side of a handshake refused the other.
type RefuseCode uint8

// The refusal reasons.
const (
	RefuseVersion   RefuseCode = iota + 1 // the protocol versions differ
	RefuseCluster                         // the cluster names differ
	RefuseAuth                            // the other side did not prove the cluster secret
	RefuseDuplicate                       // a node with this id, of this incarnation or a newer one, is already connected
	RefuseSelf                            // the other side claims this node's own id
	RefuseRace                            // both sides dialed at once; the other connection wins
	RefuseWrongNode                       // the node at the address is not the one dialed
	RefuseProtocol                        // a malformed or unexpected handshake frame
	RefuseShutdown                        // the node is shutting down
	RefuseAlive                           // a node with this id is connected and alive: a second node runs with its id
	RefuseUnready                         // nothing is attached to the node's transport yet (Attach before Serve)
	numRefuse
)

var refuseNames = [...]string{"", "protocol version mismatch", "wrong cluster", "authentication failed (wrong cluster secret?)",
	"node id already connected (same or newer incarnation)", "node claims our own id (the node at the address dialed has the dialer's id: is that address the dialer's own, or does a second process run with that id?)", "simultaneous dial", "unexpected node at this address", "protocol error", "node shutting down",
	"a node with this id is connected and alive (does a second node run with its id?)",
	"node not ready: nothing is attached to its transport yet (its program must call Attach before Serve)"}

// String describes the reason.
func (c RefuseCode) String() string {
	if c > 0 && c < numRefuse {
		return refuseNames[c]
	}
	return fmt.Sprintf("refusal(%d)", uint8(c))
}

const nonceSize = 32

// identity is what each side states in its first handshake frame.
type identity struct {
	cluster string
	id      router.NodeID
	inc     router.Incarnation
	nonce   [nonceSize]byte
}

func appendIdentity(dst []byte, id *identity) []byte {
	dst = appendStr(dst, id.cluster)
	dst = appendStr(dst, string(id.id))
	dst = binary.AppendUvarint(dst, uint64(id.inc))
	return append(dst, id.nonce[:]...)
}

func parseIdentity(body []byte) (identity, error) {
	var d decoder
	c := &cursor{b: body}
	var id identity
	id.cluster = d.str(c, slotEntry, "cluster")
	id.id = router.NodeID(d.str(c, slotEntry, "node id"))
	id.inc = router.Incarnation(c.uvarint("incarnation", uint64(MaxIncarnation)))
	if c.err == nil && len(c.b) != nonceSize {
		c.fail("nonce: %d bytes, want %d", len(c.b), nonceSize)
	}
	if c.err != nil {
		return identity{}, c.err
	}
	if id.id == "" {
		return identity{}, fmt.Errorf("%w: empty node id", ErrBadFrame)
	}
	// A node id reaches logs, JSON and metric labels, which hold only UTF-8 (the
	// Prometheus client panics on anything else).
	if !utf8.ValidString(string(id.id)) {
		return identity{}, fmt.Errorf("%w: node id %q is not valid UTF-8", ErrBadFrame, id.id)
	}
	copy(id.nonce[:], c.b)
	return id, nil
}

func newIdentity(cfg *Config) (identity, error) {
	id := identity{cluster: cfg.Cluster, id: cfg.ID, inc: cfg.Incarnation}
	if _, err := io.ReadFull(rand.Reader, id.nonce[:]); err != nil {
		return identity{}, err
	}
	return id, nil
}

// proof is the HMAC one side sends to show it knows the secret.
func proof(secret []byte, role string, dialer, acceptor *identity) []byte {
	m := hmac.New(sha256.New, secret)
	var b []byte
	b = append(b, "ensroute/1 "...)
	b = append(b, role...)
	b = appendStr(b, dialer.cluster)
	for _, id := range []*identity{dialer, acceptor} {
		b = appendStr(b, string(id.id))
		b = binary.BigEndian.AppendUint64(b, uint64(id.inc))
	}
	b = append(b, dialer.nonce[:]...)
	b = append(b, acceptor.nonce[:]...)
	m.Write(b)
	return m.Sum(nil)
}

// writeFrame writes one frame straight to the connection (the handshake runs before
// the connection's writer exists).
func writeFrame(nc net.Conn, t frameType, body []byte) error {
	_, err := nc.Write(append(appendHeader(make([]byte, 0, headerSize+len(body)), t, len(body)), body...))
	return err
}

func refuse(nc net.Conn, code RefuseCode) {
	_ = writeFrame(nc, typeRefuse, []byte{byte(code)})
}

// refuseHeader answers a handshake frame whose header the frame reader rejected (err),
// if its sender can read an answer: one whose header began with the magic number
// speaks ensroute's framing. A header of another protocol version gets RefuseVersion,
// whatever else is wrong with it (a later version may have new frame types, or
// larger frames), and any other RefuseProtocol. That tells a stranger nothing a
// well-formed hello would not (a refusal naming its cluster, or a challenge). Bytes
// without the magic number (an HTTP request, a TLS hello on a plain listener, a port
// scan) get no answer: their sender does not speak the protocol and could not read
// one, and silence tells it nothing of what listens here. Nor does a connection
// that ended or timed out. It returns the code sent (0 for none) and the error to
// report.
func refuseHeader(nc net.Conn, err error) (RefuseCode, error) {
	var he *headerError
	if !errors.As(err, &he) {
		return 0, err
	}
	if he.version != Version {
		refuse(nc, RefuseVersion)
		return RefuseVersion, &versionError{got: he.version}
	}
	refuse(nc, RefuseProtocol)
	return RefuseProtocol, err
}

// readHandshake reads the next handshake frame: a refusal (in any protocol version, so
// that a peer of another version can still say why) becomes ErrRefused; otherwise the
// frame must be of type want and of this version. A frame it cannot take is answered
// with a refusal when its sender can read one (refuseHeader): the code sent comes
// back (0 for none) with the error.
func readHandshake(nc net.Conn, fr *frameReader, want frameType) ([]byte, RefuseCode, error) {
	h, body, err := fr.next()
	if err != nil {
		code, err := refuseHeader(nc, err)
		return nil, code, err
	}
	if h.typ == typeRefuse {
		return nil, 0, &RefusedError{Code: refusalCode(body), Version: h.version}
	}
	if h.version != Version {
		refuse(nc, RefuseVersion)
		return nil, RefuseVersion, &versionError{got: h.version}
	}
	if h.typ != want {
		refuse(nc, RefuseProtocol)
		return nil, RefuseProtocol, fmt.Errorf("%w: got a %s frame, want %s", ErrBadFrame, h.typ, want)
	}
	return body, 0, nil
}

// refusalCode is the code of a refusal frame's body: its first byte. Nodes send that
// byte alone; bytes after it, which a later release may add, are ignored rather than
// read as a protocol error, which would hide the reason.
func refusalCode(body []byte) RefuseCode {
	if len(body) == 0 {
		return RefuseProtocol
	}
	return RefuseCode(body[0])
}

// RefusedError is a handshake the other side refused. It matches ErrRefused.
type RefusedError struct {
	Code RefuseCode
	// Version is the protocol version of the refusal's frame header: the version the
	// other side speaks, as a node writes its refusal in its own. 0 if not known.
	Version uint8
}

// Error describes the refusal; one for another protocol version names both versions.
func (e *RefusedError) Error() string {
	msg := "nettransport: connection refused: " + e.Code.String()
	if e.Code == RefuseVersion && e.Version != 0 && e.Version != Version {
		// A refusal in this node's own version says nothing of the other's.
		msg += fmt.Sprintf(" (it speaks protocol version %d, this node %d: nodes of two protocol versions never connect)", e.Version, Version)
	}
	return msg
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

type versionError struct{ got uint8 }

func (e *versionError) Error() string {
	return fmt.Sprintf("%v: protocol version %d, want %d (this node's): nodes of two protocol versions never connect", ErrHandshake, e.got, Version)
}

func (e *versionError) Unwrap() error { return ErrHandshake }

// dialHandshake runs the dialer's side against the node expected at the address. It
// returns the other side's identity.
func (t *Transport) dialHandshake(nc net.Conn, fr *frameReader, expect router.NodeID) (identity, error) {
	them, _, err := t.dialProved(nc, fr, expect)
	return them, err
}

// dialProved is dialHandshake that also returns what the other side proved (the
// secret of its welcome; the caller adds its TLS certificate).
func (t *Transport) dialProved(nc net.Conn, fr *frameReader, expect router.NodeID) (identity, proved, error) {
	var none proved
	cr := t.Credentials() // one set of secrets for the whole handshake, whatever SetCredentials does meanwhile (TLS was set up before it)
	me, err := newIdentity(&t.cfg)
	if err != nil {
		return identity{}, none, err
	}
	if err := writeFrame(nc, typeHello, appendIdentity(nil, &me)); err != nil {
		return identity{}, none, hungUp(nc, err)
	}
	body, _, err := readHandshake(nc, fr, typeChallenge)
	if err != nil {
		return identity{}, none, t.ownCluster(hungUp(nc, err))
	}
	them, err := parseIdentity(body)
	switch {
	case err != nil:
		refuse(nc, RefuseProtocol)
		return identity{}, none, err
	case them.cluster != t.cfg.Cluster:
		refuse(nc, RefuseCluster)
		return identity{}, none, fmt.Errorf("%w: cluster %q, want %q", ErrHandshake, them.cluster, t.cfg.Cluster)
	case them.id != expect:
		refuse(nc, RefuseWrongNode)
		return identity{}, none, fmt.Errorf("%w: the node at this address is %s, want %s", ErrHandshake, them.id, expect)
	}
	if err := writeFrame(nc, typeAuth, proof(cr.Secret, "dialer", &me, &them)); err != nil {
		return identity{}, none, err
	}
	body, _, err = readHandshake(nc, fr, typeWelcome)
	if err != nil {
		return identity{}, none, err
	}
	secret, ok := cr.proven(body, "acceptor", &me, &them)
	if !ok {
		refuse(nc, RefuseAuth)
		return identity{}, none, fmt.Errorf("%w: %s did not prove the cluster secret", ErrHandshake, them.id)
	}
	return them, proved{secret: secret, creds: cr}, nil
}

// proven reports whether body is the proof the other side owes (see proof) with the
// cluster secret or one of the secrets accepted besides it, and if so the digest of
// the secret it proved (secretDigest).
func (cr *Credentials) proven(body []byte, role string, dialer, acceptor *identity) ([sha256.Size]byte, bool) {
	if hmac.Equal(body, proof(cr.Secret, role, dialer, acceptor)) {
		return secretDigest(cr.Secret), true
	}
	for _, s := range cr.AcceptSecrets {
		if hmac.Equal(body, proof(s, role, dialer, acceptor)) {
			return secretDigest(s), true
		}
	}
	return [sha256.Size]byte{}, false
}

// ownCluster adds this side's cluster name to err if it is the other side's refusal of
// that name (RefuseCluster), which names neither cluster: the node dialed refuses the
// hello before it states its own, so the dialer can say only which name it gave.
func (t *Transport) ownCluster(err error) error {
	var re *RefusedError
	if errors.As(err, &re) && re.Code == RefuseCluster {
		return fmt.Errorf("%w (this side's cluster name is %q; the node dialed has another)", err, t.cfg.Cluster)
	}
	return err
}

// hungUp explains err, the failure of the dialer's hello or of its wait for the
// challenge, when the node dialed closed (or reset) the connection there without a
// refusal: it could not read what this side sent (ErrHungUp). A TLS dialer whose TLS
// handshake did not complete met a node without TLS; a plain dialer, one with TLS
// (whose TLS server reads the hello as a broken TLS record and closes). Other errors
// come back as they are.
func hungUp(nc net.Conn, err error) error {
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
		return err
	}
	tc, isTLS := nc.(*tls.Conn)
	switch {
	case !isTLS:
		return fmt.Errorf("%w (%w): does it use TLS? This side does not, and a node with TLS cannot read a plain handshake", ErrHungUp, err)
	case !tc.ConnectionState().HandshakeComplete:
		return fmt.Errorf("%w (%w, in the TLS handshake): does it run without TLS? This side uses TLS, and a node without it cannot read a TLS handshake", ErrHungUp, err)
	}
	return fmt.Errorf("%w (%w)", ErrHungUp, err) // TLS is up: the node speaks it, and closed for another reason
}

// acceptHandshake runs the acceptor's side. hello is called once the dialer's hello
// has been taken, before the challenge answers it. admit decides, once the dialer has
// proved the secret (pr says which), whether its id may connect now (RefuseDuplicate,
// RefuseRace) and installs the connection if so; the welcome goes out only after that.
func (t *Transport) acceptHandshake(nc net.Conn, fr *frameReader, hello func(), admit func(them identity, pr proved) RefuseCode) (identity, RefuseCode, error) {
	h, body, err := fr.next()
	if err != nil {
		code, err := refuseHeader(nc, err)
		return identity{}, code, err
	}
	if h.version != Version {
		refuse(nc, RefuseVersion)
		return identity{}, RefuseVersion, &versionError{got: h.version}
	}
	if h.typ != typeHello {
		refuse(nc, RefuseProtocol)
		return identity{}, RefuseProtocol, fmt.Errorf("%w: got a %s frame, want hello", ErrBadFrame, h.typ)
	}
	them, err := parseIdentity(body)
	switch {
	case err != nil:
		refuse(nc, RefuseProtocol)
		return identity{}, RefuseProtocol, err
	case them.cluster != t.cfg.Cluster:
		refuse(nc, RefuseCluster)
		return them, RefuseCluster, fmt.Errorf("%w: cluster %q, want %q", ErrHandshake, them.cluster, t.cfg.Cluster)
	case them.id == t.cfg.ID:
		refuse(nc, RefuseSelf)
		return them, RefuseSelf, fmt.Errorf("%w: the dialer claims this node's id %s", ErrHandshake, them.id)
	}
	cr := t.Credentials()
	me, err := newIdentity(&t.cfg)
	if err != nil {
		return them, 0, err
	}
	hello()
	if err := writeFrame(nc, typeChallenge, appendIdentity(nil, &me)); err != nil {
		return them, 0, err
	}
	body, code, err := readHandshake(nc, fr, typeAuth)
	if err != nil {
		return them, code, err
	}
	secret, ok := cr.proven(body, "dialer", &them, &me)
	if !ok {
		refuse(nc, RefuseAuth)
		return them, RefuseAuth, fmt.Errorf("%w: %s did not prove the cluster secret", ErrHandshake, them.id)
	}
	if code := admit(them, proved{secret: secret, creds: cr}); code != 0 {
		refuse(nc, code)
		return them, code, fmt.Errorf("%w: %s", ErrHandshake, code)
	}
	return them, 0, writeFrame(nc, typeWelcome, proof(cr.Secret, "acceptor", &them, &me))
}
