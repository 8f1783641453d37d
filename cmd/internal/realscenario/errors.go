package realscenario

import "errors"

var (
	// ErrUnsupported: the spec uses something a real run cannot do (Plan names it).
	ErrUnsupported = errors.New("not supported on real processes")
	// ErrFailed: a real run broke an invariant; the report says which.
	ErrFailed = errors.New("invariant broken")
)
