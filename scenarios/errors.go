package scenarios

import "errors"

// ErrBadSpec wraps every error about a spec; the message names the field, as in
// "scenarios: bad spec: ensembles[0].members[1].node: "n9" is not a member node".
var ErrBadSpec = errors.New("scenarios: bad spec")
