package driver

import "errors"

var (
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("driver: closed")
	// ErrBadConfig: a Config field is invalid; the wrapped message names it.
	ErrBadConfig = errors.New("driver: bad config")
)
