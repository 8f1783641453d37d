package traceview

import "errors"

// ErrUnknownCall: a filter names a call that the trace does not start.
var ErrUnknownCall = errors.New("traceview: no such call")

// ErrUnknownCast: a filter names a cast that the trace does not make.
var ErrUnknownCast = errors.New("traceview: no such cast")

// ErrBadFilter: a filter's time window is negative or ends before it starts, its
// cast is no cast's name, or it names both a call and a cast; the message names the
// field ("from", "to", "cast").
var ErrBadFilter = errors.New("traceview: bad filter")

// ErrBadFormat: a format name other than text, jsonl or html.
var ErrBadFormat = errors.New("traceview: unknown format")

// ErrPageTooLarge: the diagram's data is more than an HTML page can hold
// (MaxHTMLData, or Meta.MaxHTMLData); the message gives its size. Fewer records (a
// call, a cast, a window of time) make a smaller page.
var ErrPageTooLarge = errors.New("traceview: page too large")
