package nettransport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// The frame header: every frame starts with the magic number, the protocol version, the
// frame type and the length of the body that follows, big-endian.
const (
	magic0, magic1 = 0xE5, 0x7E
	// Version is the protocol version this package speaks. Peers must speak the same:
	// a node refuses a handshake of another version (RefuseVersion), so nodes of two
	// versions never connect. Additions that older nodes ignore (control codes, feature
	// bits, see features.go) need no new version; anything else would.
	Version    = 1
	headerSize = 8
	// DefaultMaxFrame is the default largest frame body, in bytes.
	DefaultMaxFrame = 1 << 20
	// MinMaxFrame is the smallest frame limit a Config may set.
	MinMaxFrame = 4 << 10
	// MaxMaxFrame is the largest: a frame's header gives its body's length in 32 bits.
	MaxMaxFrame = 1<<32 - 1
	// MaxHandshakeFrame is the largest handshake frame body either side accepts:
	// twice the largest hello or challenge the protocol allows (maxHello), so that a
	// stranger cannot make a node buffer a full frame before it has proved anything.
	MaxHandshakeFrame = 2 * maxHello
	// maxHello is the largest hello or challenge body: the cluster name and the node
	// id, each at most MaxName bytes after its length, the incarnation and the nonce.
	// The other handshake frames are smaller (a 32-byte proof, a 1-byte refusal).
	maxHello = 2*(binary.MaxVarintLen64+MaxName) + binary.MaxVarintLen64 + nonceSize
)

// frameType says what a frame carries.
type frameType uint8

const (
	typeHello     frameType = iota + 1 // dialer -> acceptor: cluster, id, incarnation, nonce
	typeChallenge                      // acceptor -> dialer: cluster, id, incarnation, nonce
	typeAuth                           // dialer -> acceptor: the dialer's proof
	typeWelcome                        // acceptor -> dialer: the acceptor's proof; connected
	typeRefuse                         // either way during a handshake: a RefuseCode
	typeMsg                            // a router.Message
	typePing                           // a heartbeat; any frame proves the peer alive. Its body, empty or a control code, see below
	numTypes
)

// Control codes: a ping whose body is one byte carries a control code (goodbye.go).
// Version 1 readers have always ignored a ping's body, so a node that predates the
// goodbye reads one as a heartbeat and answers nothing: the codes need neither a new
// frame type (which such a node would reject, closing the connection) nor a version
// bump (which would keep mixed-version nodes from connecting during a rolling
// upgrade). A reader ignores a code it does not know, so that more can be added the
// same way.
const (
	ctlGoodbye    byte = 1 // the sender is stopping: send it nothing but replies from now on, and acknowledge
	ctlGoodbyeAck byte = 2 // the answer to a goodbye: nothing but replies follows it on this connection
	// ctlSettings is followed by the sender's Config.Settings (settings.go): the only
	// code with more than one byte of body, which a node older than it ignores as it
	// ignores any body longer than a code.
	ctlSettings byte = 3
	// ctlFeatures is followed by a byte of feature bits (features.go): the optional
	// parts of a frame the sender reads. Two bytes of body, which a node older than it
	// ignores, as it ignores any body longer than a code.
	ctlFeatures byte = 4
	// ctlReplace: the sender drops this connection (its proof was withdrawn,
	// withdrawn.go) and is about to dial a new one to replace it: admit a connection
	// of its incarnation in its place, and acknowledge. Sent only to a node that
	// declared featReplace.
	ctlReplace    byte = 5
	ctlReplaceAck byte = 6 // the answer to ctlReplace
)

var typeNames = [...]string{"", "hello", "challenge", "auth", "welcome", "refuse", "msg", "ping"}

func (t frameType) String() string {
	if t > 0 && t < numTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// appendHeader appends a header for a body of n bytes.
func appendHeader(dst []byte, t frameType, n int) []byte {
	return append(dst, magic0, magic1, Version, byte(t), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// beginFrame appends a header whose length endFrame fills in, and returns where the
// frame starts.
func beginFrame(dst []byte, t frameType) ([]byte, int) {
	return appendHeader(dst, t, 0), len(dst)
}

// endFrame fills in the length of the frame that starts at start.
func endFrame(dst []byte, start int) {
	binary.BigEndian.PutUint32(dst[start+4:], uint32(len(dst)-start-headerSize))
}

// header is a decoded frame header.
type header struct {
	version uint8
	typ     frameType
	length  int
}

// parseHeader checks the magic number, the type and the length against max, which
// limit names in an error. The version is returned, not checked: a handshake answers
// a version it does not speak with a refusal, which the other side must still be able
// to read.
func parseHeader(b []byte, max int, limit string) (header, error) {
	if b[0] != magic0 || b[1] != magic1 {
		if b[0] == 0x16 && b[1] == 0x03 {
			// A TLS record of type handshake: what a TLS client sends first.
			return header{}, &magicError{"tls", fmt.Errorf("%w: bad magic %#02x%02x, a TLS handshake: the other side uses TLS, and this one does not", ErrBadFrame, b[0], b[1])}
		}
		if hint := httpHint(b); hint != "" {
			return header{}, &magicError{"http", fmt.Errorf("%w: bad magic %#02x%02x, %s", ErrBadFrame, b[0], b[1], hint)}
		}
		return header{}, &magicError{"garbage", fmt.Errorf("%w: bad magic %#02x%02x", ErrBadFrame, b[0], b[1])}
	}
	h := header{version: b[2], typ: frameType(b[3]), length: int(binary.BigEndian.Uint32(b[4:]))}
	if h.typ == 0 || h.typ >= numTypes {
		return header{}, &headerError{h.version, fmt.Errorf("%w: unknown frame type %d", ErrBadFrame, b[3])}
	}
	if h.length > max {
		return header{}, &headerError{h.version, fmt.Errorf("%w: %s frame of %d bytes exceeds the %s of %d", ErrBadFrame, h.typ, h.length, limit, max)}
	}
	return h, nil
}

// magicError is a connection whose first bytes are not ensroute's magic number, with
// what they most likely are (kind: "tls", "http" or "garbage"), which the refusal log
// tells apart: each has its own hint, which a host's refusals of another kind must
// not keep quiet.
type magicError struct {
	kind string
	err  error
}

func (e *magicError) Error() string { return e.err.Error() }
func (e *magicError) Unwrap() error { return e.err }

// httpMethods are the starts of an HTTP/1 request line (and of HTTP/2's preface),
// each of at most headerSize bytes.
var httpMethods = []string{"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "PRI * HT"}

// httpHint says what the first bytes b of a connection are if they are HTTP, and
// where the other side most likely meant to go; "" if they are not.
func httpHint(b []byte) string {
	if bytes.HasPrefix(b, []byte("HTTP/")) {
		// A dialer read an HTTP server's answer to its hello.
		return "an HTTP response: the address is an HTTP server's (an admin port?), not a node's cluster port"
	}
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, []byte(m)) {
			return "an HTTP request: this is a node's cluster port, which speaks no HTTP; a node's admin endpoints (/metrics, /healthz, /readyz) are on its admin address (ensnode --admin)"
		}
	}
	return ""
}

// headerError is a frame header that parseHeader rejected after its magic number
// matched (an unknown type, a length past the limit): its sender speaks ensroute's
// framing, in protocol version version, and can read a refusal. It matches
// ErrBadFrame.
type headerError struct {
	version uint8
	err     error
}

func (e *headerError) Error() string { return e.err.Error() }
func (e *headerError) Unwrap() error { return e.err }

// frameReader reads frames from a buffered stream. A body is valid until the next
// call to next. Its allocation is bounded by the frame limit: a body that does not fit the
// buffer is read into a scratch slice that grows, as its bytes arrive and only after
// the header has been checked, to at most max bytes.
type frameReader struct {
	r       *bufio.Reader
	src     io.Reader // what r reads
	max     int
	limit   string // what max is, for errors
	scratch []byte
	used    int // bytes of the last body still to discard from r
}

// began reports whether the reader holds the start of a frame it has not read in
// full: the bytes a connection sent before it ended in the middle of a frame.
func (fr *frameReader) began() bool { return fr.r.Buffered() > 0 }

// newFrameReader returns a reader of frames of at most max bytes. A connection's
// reader starts with MaxHandshakeFrame (handshake) and a buffer of
// handshakeBuffer bytes, and moves to the frame limit and its read buffer
// (established) once the handshake is done.
func newFrameReader(r io.Reader, bufSize, max int) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, bufSize), src: r, max: max, limit: "limit"}
}

// handshakeBuffer is a connection's read buffer during its handshake: room for one
// handshake frame, its header included. Config.ReadBuffer (64 KiB by default, up to
// MaxReadBuffer) comes once the other side has proved the secret: a stranger who
// connects and says nothing, MaxHandshakes of them on each listener, must not make
// a node allocate it whole for each.
const handshakeBuffer = headerSize + MaxHandshakeFrame

// handshake limits the frames to MaxHandshakeFrame until established.
func (fr *frameReader) handshake() { fr.max, fr.limit = MaxHandshakeFrame, "handshake frame limit" }

// established sets the frame limit of an established connection, and its read buffer
// of bufSize bytes, smaller or larger than the handshake's. The bytes the handshake's
// buffer holds already (frames the other side sent right after its last handshake
// frame) are read first.
func (fr *frameReader) established(max, bufSize int) {
	fr.max, fr.limit = max, "limit"
	if bufSize == fr.r.Size() {
		return
	}
	if fr.used > 0 {
		_, _ = fr.r.Discard(fr.used)
		fr.used = 0
	}
	src := fr.src
	if n := fr.r.Buffered(); n > 0 {
		held, _ := fr.r.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(held)), fr.src)
	}
	fr.r = bufio.NewReaderSize(src, bufSize)
}

// next reads one frame.
func (fr *frameReader) next() (header, []byte, error) {
	if fr.used > 0 {
		_, _ = fr.r.Discard(fr.used)
		fr.used = 0
	}
	hb, err := fr.r.Peek(headerSize)
	if err != nil {
		if len(hb) > 0 {
			err = unexpected(err) // the connection ended inside a header
		}
		return header{}, nil, err
	}
	h, err := parseHeader(hb, fr.max, fr.limit)
	if err != nil {
		return header{}, nil, err
	}
	_, _ = fr.r.Discard(headerSize)
	if h.length <= fr.r.Size() {
		body, err := fr.r.Peek(h.length)
		if err != nil {
			return header{}, nil, unexpected(err)
		}
		fr.used = h.length
		return h, body, nil
	}
	// The scratch slice grows with the bytes that arrive, at most doubling them, not
	// to the length the header declares: a peer that declares a large frame and then
	// sends it a byte at a time must not make this node hold the whole frame limit
	// for each of its connections meanwhile.
	body := fr.scratch[:0]
	for len(body) < h.length {
		if len(body) == cap(body) {
			grown := make([]byte, len(body), min(max(2*cap(body), fr.r.Size()), h.length))
			copy(grown, body)
			body = grown
		}
		n, err := fr.r.Read(body[len(body):min(cap(body), h.length)])
		body = body[:len(body)+n]
		if err != nil && len(body) < h.length {
			fr.scratch = body[:0]
			return header{}, nil, unexpected(err)
		}
	}
	fr.scratch = body[:0]
	return h, body, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
