package load

import "errors"

// ErrBadConfig: a Config field is invalid; the wrapped message names it.
var ErrBadConfig = errors.New("load: bad config")

// ErrViolation: a load saw a call break a promise (Summary.Check).
var ErrViolation = errors.New("load: promise broken")
