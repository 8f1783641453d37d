package driver

import "errors"

var (
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("driver: closed")
	// ErrBadConfig: a Config field is invalid; the wrapped message names it.
	ErrBadConfig = errors.New("driver: bad config")
	// ErrNilContext: Call or CallTimeout was given a nil context, and nothing was
	// sent; or Stop was, and nothing was stopped. A call (or a stop) with no deadline
	// or cancellation of its own takes context.Background().
	ErrNilContext = errors.New("driver: nil context (context.Background() is the one that is never done)")
)
