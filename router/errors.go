package router

import (
	"context"
	"errors"
)

// ErrTimeout is the outcome of a call that got no answer in time, or whose answer
// could not be sent (ErrTooLarge): either way the request may have run. It also matches
// context.DeadlineExceeded under errors.Is, so callers that think in contexts need not
// learn a new error.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "router: timeout" }

// Is makes errors.Is(ErrTimeout, context.DeadlineExceeded) true.
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// ErrTooLarge: a message too large for the transport to carry. A transport's Send
// returns it, or an error that wraps it (nettransport.ErrTooLarge, which names the
// limit). It matches ErrUnreachable, and reads as it: a request too large to send did
// not run. A reply too large to send is replaced by one of CodeTimeout without the
// result, so that its caller learns at once that the answer will not come (a peer
// served the request: it ran, or may have) instead of waiting out its deadline, or for
// ever with no deadline.
var ErrTooLarge error = tooLargeError{}

type tooLargeError struct{}

func (tooLargeError) Error() string { return ErrUnreachable.Error() }

// Is makes errors.Is(ErrTooLarge, ErrUnreachable) true.
func (tooLargeError) Is(target error) bool { return target == ErrUnreachable }

var (
	// ErrNoLeader: the ensemble has no known leader where the request was routed.
	ErrNoLeader = errors.New("router: no leader")
	// ErrNotLeader: the peer that received the request is not the leader (a nack) and
	// no newer leader was known to redirect to.
	ErrNotLeader = errors.New("router: not leader")
	// ErrUnreachable: a node on the path is not connected, or the peer a peer-target
	// call names is not running on its node (never added, or since removed). Either
	// way the request did not run. (A follower's forward to a leader peer that is not
	// on its node answers ErrNotLeader: the directory that named it is out of date.)
	ErrUnreachable = errors.New("router: node unreachable")
	// ErrHopLimit: the request was forwarded as many times as the hop limit allows,
	// which means the directories disagree (a forwarding loop).
	ErrHopLimit = errors.New("router: hop limit reached")
	// ErrOverloaded: a bounded queue on the path was full.
	ErrOverloaded = errors.New("router: overloaded")
	// ErrNoDeadline: an ensemble call without a finite timeout, which could wait
	// forever; only peer targets may use Infinity.
	ErrNoDeadline = errors.New("router: ensemble calls need a finite timeout")
	// ErrBadTarget: the call's target names neither an ensemble nor a peer, or both,
	// or a peer and a node to route it through (Target.Through).
	ErrBadTarget = errors.New("router: bad target")
	// ErrBadTimeout: the timeout is zero or negative.
	ErrBadTimeout = errors.New("router: timeout must be positive")
	// ErrBadConfig: a Config field is invalid; the wrapped message names it.
	ErrBadConfig = errors.New("router: bad config")
)

// Code is an outcome as it travels in a reply message: a number, never a string, so
// that both ends agree on what an error means.
type Code uint8

// The reply codes. CodeNack is what a peer in election or probe answers; the caller's
// node turns it into ErrTimeout (riak) or ErrNotLeader / a redirect (default).
const (
	CodeOK Code = iota
	CodeTimeout
	CodeNoLeader
	CodeNotLeader
	CodeUnreachable
	CodeHopLimit
	CodeOverloaded
	CodeNack
	numCodes
)

var codeNames = [...]string{"ok", "timeout", "no-leader", "not-leader", "unreachable", "hop-limit", "overloaded", "nack"}

// String returns the code's short name.
func (c Code) String() string {
	if c < numCodes {
		return codeNames[c]
	}
	return "code?"
}

// Valid reports whether c is a known code (a decoder rejects others).
func (c Code) Valid() bool { return c < numCodes }

// Err returns the error a caller sees for c; nil for CodeOK. CodeNack maps to
// ErrNotLeader.
func (c Code) Err() error {
	switch c {
	case CodeOK:
		return nil
	case CodeTimeout:
		return ErrTimeout
	case CodeNoLeader:
		return ErrNoLeader
	case CodeNotLeader, CodeNack:
		return ErrNotLeader
	case CodeUnreachable:
		return ErrUnreachable
	case CodeHopLimit:
		return ErrHopLimit
	case CodeOverloaded:
		return ErrOverloaded
	}
	return ErrTimeout
}

// CodeOf returns the code for an outcome error (CodeOK for nil). Errors the router
// does not define map to CodeTimeout, as the original turns any failure into timeout.
func CodeOf(err error) Code {
	if err == nil { // inlined: most outcomes are successes
		return CodeOK
	}
	return codeOf(err)
}

// codeOf is CodeOf for an error.
func codeOf(err error) Code {
	switch err { // the router's own errors, as they are: no unwrapping to do
	case ErrTimeout:
		return CodeTimeout
	case ErrNoLeader:
		return CodeNoLeader
	case ErrNotLeader:
		return CodeNotLeader
	case ErrUnreachable:
		return CodeUnreachable
	case ErrHopLimit:
		return CodeHopLimit
	case ErrOverloaded:
		return CodeOverloaded
	}
	switch {
	case errors.Is(err, ErrNoLeader):
		return CodeNoLeader
	case errors.Is(err, ErrNotLeader):
		return CodeNotLeader
	case errors.Is(err, ErrUnreachable):
		return CodeUnreachable
	case errors.Is(err, ErrHopLimit):
		return CodeHopLimit
	case errors.Is(err, ErrOverloaded):
		return CodeOverloaded
	}
	return CodeTimeout
}
