package duration

import (
	"math/big"
	"strings"
	"time"
)

// Parse returns the duration s writes in time.ParseDuration's notation, counted in
// integers: a whole number of nanoseconds is read as written, however many digits
// its fraction has. Errors: ErrSyntax for text not in the notation, ErrRange for a
// duration longer than a time.Duration holds either way, and a *NotWholeError
// (errors.Is ErrNotWhole) for one that is not a whole number of nanoseconds, which
// time.ParseDuration would silently cut to the nanosecond below.
func Parse(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		// ParseDuration says "invalid duration" for overflow and for a typo alike.
		if wellFormed(s) {
			return 0, ErrRange
		}
		return 0, ErrSyntax
	}
	if !wholeNanos(s) {
		return 0, &NotWholeError{Read: v}
	}
	// ParseDuration works a fraction out in floating point, which can come 1ns short
	// of a whole number of nanoseconds written with many digits
	// ("401.47400000000000us" read as 401.473µs): the value is counted again exactly.
	n, ok := exactNanos(s)
	if !ok {
		return 0, ErrRange
	}
	return time.Duration(n), nil
}

// exactNanos returns the value of s, which time.ParseDuration reads and wholeNanos
// passes, in nanoseconds, counted in integers; false when it is out of a
// time.Duration's range.
func exactNanos(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	total := new(big.Int)
	for s != "0" && s != "" {
		rest := strings.TrimLeft(s, "0123456789.")
		whole, frac, _ := strings.Cut(s[:len(s)-len(rest)], ".")
		tail := strings.TrimLeft(rest, "nsuµμmh")
		unit := big.NewInt(unitLen[rest[:len(rest)-len(tail)]])
		s = tail
		frac = strings.TrimRight(frac, "0")
		digits, _ := new(big.Int).SetString("0"+whole+frac, 10)
		digits.Mul(digits, unit)
		// A whole number of nanoseconds: the division leaves nothing.
		digits.Quo(digits, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil))
		total.Add(total, digits)
	}
	if neg {
		total.Neg(total)
	}
	if !total.IsInt64() {
		return 0, false
	}
	return total.Int64(), true
}

// unitLen are the units of time.ParseDuration's notation in nanoseconds.
var unitLen = map[string]int64{"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 6e10, "h": 3.6e12}

// unitNanos are the units of time.ParseDuration's notation, with the powers of 2 and
// 5 in each in nanoseconds: a fraction of k decimal digits (the last not 0) of a
// unit is a whole number of nanoseconds when the powers of 2 and 5 in its digits and
// the unit's come to k each.
var unitNanos = map[string]struct{ twos, fives int }{
	"ns": {0, 0}, "us": {3, 3}, "µs": {3, 3}, "μs": {3, 3}, "ms": {6, 6},
	"s": {9, 9}, "m": {11, 10}, "h": {13, 11}, // 6e10 = 2^11·3·5^10, 3.6e12 = 2^13·3^2·5^11
}

// wholeNanos reports whether s, which time.ParseDuration reads, is a whole number
// of nanoseconds: whether each number's fraction of its unit is.
func wholeNanos(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "0" {
		return true // the one number ParseDuration reads without a unit
	}
	for s != "" {
		rest := strings.TrimLeft(s, "0123456789.")
		num := s[:len(s)-len(rest)]
		tail := strings.TrimLeft(rest, "nsuµμmh")
		u, ok := unitNanos[rest[:len(rest)-len(tail)]]
		if !ok {
			return false // not ParseDuration's notation
		}
		s = tail
		_, frac, _ := strings.Cut(num, ".")
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			continue
		}
		if len(frac) > 13 {
			// Its last digit is not 0, so its number has no factor 10: too few twos or
			// fives for any unit.
			return false
		}
		var f int64
		for _, c := range frac {
			f = f*10 + int64(c-'0')
		}
		twos, fives := u.twos, u.fives
		for g := f; g%2 == 0; g /= 2 {
			twos++
		}
		for g := f; g%5 == 0; g /= 5 {
			fives++
		}
		if twos < len(frac) || fives < len(frac) {
			return false
		}
	}
	return true
}

// wellFormed reports whether s is written as time.ParseDuration reads a duration (a
// sign, then numbers each with a unit), so that its failure to parse s is overflow.
func wellFormed(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:] // one sign, as ParseDuration reads it
	}
	if s == "" {
		return false
	}
	for s != "" {
		num := strings.TrimLeft(s, "0123456789.")
		if n := s[:len(s)-len(num)]; strings.Trim(n, ".") == "" || strings.Count(n, ".") > 1 {
			return false // no digits, or two points
		}
		unit := strings.TrimLeft(num, "nsuµμmh")
		switch num[:len(num)-len(unit)] {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		default:
			return false
		}
		s = unit
	}
	return true
}
