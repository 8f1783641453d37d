package duration_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/internal/duration"
)

// TestSyntaxAndRangeToldApart: text that is not a duration at all and a duration too
// long to hold are told apart, where time.ParseDuration says "invalid duration" for
// both: a program can say "want a number with a unit" to the one and give the
// largest duration to the other.
func TestSyntaxAndRangeToldApart(t *testing.T) {
	for _, tc := range []struct {
		name, s string
		want    error
	}{
		{name: "no unit", s: "250", want: duration.ErrSyntax},
		{name: "a word", s: "soon", want: duration.ErrSyntax},
		{name: "empty", s: "", want: duration.ErrSyntax},
		{name: "a sign alone", s: "-", want: duration.ErrSyntax},
		{name: "two signs", s: "--5s", want: duration.ErrSyntax},
		{name: "two signs, the other way", s: "+-5s", want: duration.ErrSyntax},
		{name: "two points", s: "1.5.5h", want: duration.ErrSyntax},
		{name: "a point alone", s: ".s", want: duration.ErrSyntax},
		{name: "a unit alone", s: "h", want: duration.ErrSyntax},
		{name: "an unknown unit", s: "5d", want: duration.ErrSyntax},
		{name: "overflow", s: "10000000000h", want: duration.ErrRange},
		{name: "overflow in parts", s: "2562047h48m", want: duration.ErrRange},
		{name: "negative overflow", s: "-10000000000h", want: duration.ErrRange},
		{name: "one past the largest", s: "2562047h47m16.854775808s", want: duration.ErrRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d, err := duration.Parse(tc.s); !errors.Is(err, tc.want) {
				t.Errorf("%q: read as %v, error %v; want %v", tc.s, d, err, tc.want)
			}
		})
	}
	if want := "duration: out of range, longer than 2562047h47m16.854775807s either way"; duration.ErrRange.Error() != want {
		t.Errorf("ErrRange says %q, want %q", duration.ErrRange, want)
	}
}
