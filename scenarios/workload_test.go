package scenarios

import (
	"math"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// TestEventNamesMatchStrconv: eventNames renders every call number as "c" and its
// decimal digits, whether it follows the last one by one (counted up, across carries
// into a new digit) or jumps anywhere in the int32 range (rendered afresh).
func TestEventNamesMatchStrconv(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var en eventNames
		k := rapid.Int32().Draw(t, "first")
		for i := range rapid.IntRange(1, 300).Draw(t, "calls") {
			switch rapid.IntRange(0, 9).Draw(t, "step") {
			case 0:
				k = rapid.Int32().Draw(t, "jump")
			case 1: // just below a power of ten, so that counting up carries into a new digit
				k = int32(math.Pow10(rapid.IntRange(1, 9).Draw(t, "digits"))) - rapid.Int32Range(1, 3).Draw(t, "below")
			default:
				if k < math.MaxInt32 {
					k++
				}
			}
			want := "c" + strconv.Itoa(int(k))
			if got := string(en.name(k)); got != want {
				t.Fatalf("call %d: name(%d) = %q, want %q", i, k, got, want)
			}
		}
	})
}
