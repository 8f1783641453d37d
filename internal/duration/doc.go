// Package duration reads a duration written in time.ParseDuration's notation
// ("250us", "1.5s", "1h30m") exactly, or refuses it.
//
// time.ParseDuration drops what is below a nanosecond, so "0.5ns" reads as 0 and
// "1.0000000001s" as 1s, and it works a fraction out in floating point, which can
// come 1ns short of a whole number of nanoseconds written with many digits
// ("401.47400000000000us" reads as 401.473µs). A duration that a spec, a flag or a
// config file gives is meant as written: Parse reads a whole number of nanoseconds
// as that, counted in integers, and refuses any other with a *NotWholeError that
// says what time.ParseDuration would have read.
//
//	d, err := duration.Parse("401.47400000000000us") // 401.474µs
//	_, err = duration.Parse("0.5ns")                 // not a whole number of nanoseconds (0s would be read)
//
// The simulator's spec durations (netmodel.Duration), the programs' duration flags
// and config files all read theirs with Parse, each wording its own errors for text
// that is not a duration at all (ErrSyntax) or too long to hold (ErrRange).
package duration
