package duration_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/duration"
)

// TestDurationReadExactly: a duration that is a whole number of nanoseconds is read
// as written, however many digits its fraction has. time.ParseDuration works a
// fraction out in floating point and cuts it to the nanosecond below, so that
// "401.47400000000000us" came out as 401.473µs and ".47202700000000h" 1ns short,
// accepted as whole.
func TestDurationReadExactly(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"+401.47400000000000us":      401474,
		"17.48200000000000m":         1048920000000,
		".47202700000000h":           1699297200000,
		"-.88090000000000m":          -52854000000,
		"4.30200000000000h9µs":       15487200009000,
		"2562047h47m16.854775807s":   math.MaxInt64,
		"-2562047h47m16.854775808s":  math.MinInt64,
		"-2562047h47m16.8547758080s": math.MinInt64,
	} {
		if d, err := duration.Parse(s); err != nil || d != want {
			t.Errorf("%q: read as %d, error %v; want %d", s, int64(d), err, int64(want))
		}
	}

	// Drawn spellings, each read against its value counted exactly: a whole number of
	// nanoseconds in every number is read as that, any other refused.
	units := map[string]int64{"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 6e10, "h": 3.6e12}
	names := []string{"ns", "us", "µs", "ms", "s", "m", "h"}
	rng := rand.New(rand.NewPCG(7, 11))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	read := 0
	for range 200000 {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteString("-")
		}
		exact, whole := new(big.Rat), true
		for range 1 + rng.IntN(2) {
			num := digits(rng.IntN(4)) + "." + digits(rng.IntN(10)) + strings.Repeat("0", rng.IntN(12))
			if num == "." {
				num = "1."
			}
			unit := names[rng.IntN(len(names))]
			b.WriteString(num + unit)
			v, _ := new(big.Rat).SetString("0" + num + "0")
			v.Mul(v, new(big.Rat).SetInt64(units[unit]))
			whole = whole && v.IsInt()
			exact.Add(exact, v)
		}
		s := b.String()
		if _, err := time.ParseDuration(s); err != nil {
			continue
		}
		if strings.HasPrefix(s, "-") {
			exact.Neg(exact)
		}
		d, err := duration.Parse(s)
		switch {
		case whole && (err != nil || big.NewRat(int64(d), 1).Cmp(exact) != 0):
			t.Fatalf("%q: read as %d, error %v; want %s", s, int64(d), err, exact.RatString())
		case !whole && !errors.Is(err, duration.ErrNotWhole):
			t.Fatalf("%q: read as %d, error %v; want it refused, %s is not a whole number of nanoseconds", s, int64(d), err, exact.FloatString(3))
		}
		read++
	}
	if read < 50000 {
		t.Fatalf("only %d drawn spellings parsed", read)
	}
}
