package netns

import "errors"

var (
	// ErrUnavailable: this process cannot build namespaces (not root, no ip command, or
	// the kernel refuses); the wrapped message says which.
	ErrUnavailable = errors.New("netns: unavailable")
	// ErrNoNetem: the kernel lacks the netem queueing discipline ("Specified qdisc
	// kind is unknown"), so delay and loss cannot be added.
	ErrNoNetem = errors.New("netns: netem not supported by this kernel")
	// ErrCommand: an ip or tc command failed; the wrapped message holds its output.
	ErrCommand = errors.New("netns: command failed")
)
