package traceview

import "errors"

// ErrUnknownCall: a filter names a call that the trace does not start.
var ErrUnknownCall = errors.New("traceview: no such call")

// ErrBadFilter: a filter's time window is negative or ends before it starts; the
// message names the field ("from" or "to").
var ErrBadFilter = errors.New("traceview: bad filter")

// ErrBadFormat: a format name other than text, jsonl or html.
var ErrBadFormat = errors.New("traceview: unknown format")
