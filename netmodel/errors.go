package netmodel

import (
	"errors"
	"fmt"
)

var (
	// ErrBadConfig wraps every error about a configuration: a Config given to New, a
	// Link given to SetLink, or a Dist or Link checked with Validate. The message
	// names the field, as in "netmodel: bad config: link.latency.min: -1ms is
	// negative".
	ErrBadConfig = errors.New("netmodel: bad config")
	// ErrDuplicateHost: AddHost was given a node id that the network already has.
	ErrDuplicateHost = errors.New("netmodel: duplicate host")
)

// fieldError is a bad-config error about one field, written without the package
// prefix so that a caller can fold it into its own message (scenarios reports
// "scenarios: bad spec: link.latency.min: ..."), while errors.Is still matches
// ErrBadConfig.
type fieldError struct{ msg string }

func (e *fieldError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrBadConfig) true.
func (e *fieldError) Is(target error) bool { return target == ErrBadConfig }

// badField returns a fieldError; format starts with the field's name.
func badField(format string, args ...any) error {
	return &fieldError{msg: fmt.Sprintf(format, args...)}
}
