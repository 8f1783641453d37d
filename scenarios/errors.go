package scenarios

import "errors"

// ErrBadSpec wraps every error about a spec; the message names the field, as in
// "scenarios: bad spec: ensembles[0].members[1].node: "n9" is not a member node".
var ErrBadSpec = errors.New("scenarios: bad spec")

// ErrBadRepro wraps every error about a repro file but its spec's, which wrap
// ErrBadSpec; the message names the key, as in
// "scenarios: bad repro file: violations[0]: unknown field "calls"".
var ErrBadRepro = errors.New("scenarios: bad repro file")

// ErrNotRepro is ParseRepro's error for a JSON object without ReproKey: a spec,
// most likely.
var ErrNotRepro = errors.New("scenarios: not a repro file")

// ErrBadOptions wraps Run's error for Options it cannot run with: a Semantics that is
// neither router.Default nor router.Riak, or a Stop without a TraceSink.
var ErrBadOptions = errors.New("scenarios: bad options")
