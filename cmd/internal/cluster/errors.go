package cluster

import "errors"

// ErrUsage marks a problem with flags or the config file: the programs exit 2 on it.
var ErrUsage = errors.New("usage")
