package duration

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrSyntax is Parse's error for text that is not written in time.ParseDuration's
// notation: a sign, then numbers each with a unit ("5", "soon", "1.5.5h", "5d").
var ErrSyntax = errors.New("duration: want a number with a unit, like 250us or 1.5s")

// ErrRange is Parse's error for a duration written in the notation that is longer
// than a time.Duration holds, either way ("10000000000h", "-2562047h48m").
var ErrRange = fmt.Errorf("duration: out of range, longer than %v either way", time.Duration(math.MaxInt64))

// ErrNotWhole matches, under errors.Is, the *NotWholeError that Parse returns for a
// duration that is not a whole number of nanoseconds.
var ErrNotWhole = errors.New("duration: not a whole number of nanoseconds")

// NotWholeError is Parse's error for a duration that is not a whole number of
// nanoseconds ("0.5ns", "1.0000000001s"). Its message carries no package prefix
// and does not repeat the text, so that a caller can fold it into its own, after
// the name of the flag or key and the value: "--timeout 0.5ns: not a whole number
// of nanoseconds, ...".
type NotWholeError struct {
	// Read is what time.ParseDuration reads the text as, what is below the
	// nanosecond dropped: what a program that took it would have used.
	Read time.Duration
}

func (e *NotWholeError) Error() string {
	return fmt.Sprintf("not a whole number of nanoseconds, the finest a duration holds (%v would be read)", e.Read)
}

// Is makes a *NotWholeError match ErrNotWhole.
func (e *NotWholeError) Is(target error) bool { return target == ErrNotWhole }
