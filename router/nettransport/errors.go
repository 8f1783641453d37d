package nettransport

import (
	"errors"

	"github.com/ensroute/ensroute/router"
)

var (
	// ErrBadFrame: a frame that is not a well-formed ensroute frame (bad magic, an
	// unknown type or kind, a length past the frame limit or past its own end, an
	// over-long varint, trailing bytes). The wrapped message names the problem; the
	// connection that sent it is closed.
	ErrBadFrame = errors.New("nettransport: bad frame")
	// ErrTooLarge: a message that does not fit in one frame, or that holds a name
	// longer than MaxName; the error Send returns wraps it and says which. It was not
	// sent, so a request did not run: it matches router.ErrTooLarge and
	// router.ErrUnreachable, which is what the router core makes of it. A reply too
	// large the core replaces with a timeout, at once.
	ErrTooLarge error = tooLargeError{}
	// ErrBadMessage: a message Send will not send because the node it goes to would
	// refuse it as a bad frame and close the whole connection: a kind or a code that is
	// none of router's, or an instance past 65,536; or a nil message. The router core
	// never makes one; a program that calls Send itself can. The wrapped message names
	// the field.
	ErrBadMessage = errors.New("nettransport: message no node would read")
	// ErrRefused: the other side of a handshake refused the connection; the wrapped
	// message says why (RefuseCode).
	ErrRefused = errors.New("nettransport: connection refused")
	// ErrHandshake: a handshake failed on this side (the other side did not prove the
	// cluster secret, sent the wrong frame, or was too slow).
	ErrHandshake = errors.New("nettransport: handshake failed")
	// ErrHungUp: the node dialed closed the connection at the start of the handshake
	// without a refusal. A node refuses every ensroute hello it cannot take with a
	// frame that says why; silence is what it gives bytes it cannot read at all, so the
	// usual cause is that one side uses TLS and the other does not. The wrapped message
	// says which side this is. (A node that stops, or ends the handshake as one too many
	// in progress, closes without a word too.)
	ErrHungUp = errors.New("nettransport: the node closed the connection during the handshake, without a refusal")
	// ErrClosed: the transport was closed.
	ErrClosed = errors.New("nettransport: closed")
	// ErrBadConfig: a Config field is invalid; the wrapped message names it.
	ErrBadConfig = errors.New("nettransport: bad config")
	// ErrGoodbye: Goodbye ended before every connected node acknowledged it (a node
	// older than the goodbye, or a stuck one); the wrapped message names them.
	ErrGoodbye = errors.New("nettransport: goodbye not acknowledged")

	// errNotReading: a write to a connection made no progress for HeartbeatTimeout;
	// errReadingSlowly: it made some, but did not complete.
	errNotReading    = errors.New("the peer read nothing of what was written to it for the heartbeat timeout")
	errReadingSlowly = errors.New("the peer read too slowly: a chunk written to it (WriteChunk) was not read within the heartbeat timeout")
	// errLeaving: no new connection after Goodbye.
	errLeaving = errors.New("nettransport: leaving (goodbye said)")
)

// tooLargeError is ErrTooLarge: its text says what it is (router.ErrTooLarge reads
// as an unreachable node, which is what the router makes of it), and it matches
// router's errors under errors.Is.
type tooLargeError struct{}

func (tooLargeError) Error() string { return "nettransport: message too large to send" }

// Is makes errors.Is(ErrTooLarge, router.ErrTooLarge) and errors.Is(ErrTooLarge,
// router.ErrUnreachable) true.
func (tooLargeError) Is(target error) bool {
	return target == router.ErrTooLarge || target == router.ErrUnreachable
}
