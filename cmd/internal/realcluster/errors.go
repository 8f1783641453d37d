package realcluster

import "errors"

var (
	// ErrBadConfig: a Config field is invalid; the wrapped message names it.
	ErrBadConfig = errors.New("realcluster: bad config")
	// ErrNotRunning: the node's process is not running.
	ErrNotRunning = errors.New("realcluster: node not running")
	// ErrExit: a node's process exited other than cleanly on SIGTERM, or not in time.
	ErrExit = errors.New("realcluster: unclean exit")
)
