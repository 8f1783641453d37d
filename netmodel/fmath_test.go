package netmodel

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"
)

// refPrec is the precision of the references for log and cos: well past float64's
// 53 bits, and past the 20 bits that cos's reduction loses near a multiple of π/2.
const refPrec = 400

func refFloat() *big.Float { return new(big.Float).SetPrec(refPrec) }

// refAtanh returns atanh(s) = s + s³/3 + s⁵/5 + ..., for |s| <= 1/3, to refPrec bits.
func refAtanh(s *big.Float) *big.Float {
	s2 := refFloat().Mul(s, s)
	sum, pow := refFloat().Set(s), refFloat().Set(s)
	eps := refFloat().SetMantExp(big.NewFloat(1), -refPrec-8)
	for k := int64(1); ; k++ {
		pow.Mul(pow, s2)
		term := refFloat().Quo(pow, refFloat().SetInt64(2*k+1))
		sum.Add(sum, term)
		if term.Sign() == 0 || refFloat().Abs(term).Cmp(eps) < 0 {
			return sum
		}
	}
}

// refAtanInv returns atan(1/n) = 1/n - 1/(3n³) + 1/(5n⁵) - ..., to refPrec bits.
func refAtanInv(n int64) *big.Float {
	x := refFloat().Quo(big.NewFloat(1), refFloat().SetInt64(n))
	x2 := refFloat().Mul(x, x)
	sum, pow := refFloat().Set(x), refFloat().Set(x)
	eps := refFloat().SetMantExp(big.NewFloat(1), -refPrec-8)
	for k := int64(1); ; k++ {
		pow.Mul(pow, x2)
		term := refFloat().Quo(pow, refFloat().SetInt64(2*k+1))
		if k%2 == 1 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
		if term.Cmp(eps) < 0 {
			return sum
		}
	}
}

var refLn2Value, refPiValue *big.Float

// refLn2 is ln 2 = 2·atanh(1/3).
func refLn2() *big.Float {
	if refLn2Value == nil {
		refLn2Value = refAtanh(refFloat().Quo(big.NewFloat(1), big.NewFloat(3)))
		refLn2Value.SetMantExp(refLn2Value, 1)
	}
	return refLn2Value
}

// refPi is π by Machin's formula, 16·atan(1/5) - 4·atan(1/239).
func refPi() *big.Float {
	if refPiValue == nil {
		a := refFloat().Mul(refFloat().SetInt64(16), refAtanInv(5))
		refPiValue = a.Sub(a, refFloat().Mul(refFloat().SetInt64(4), refAtanInv(239)))
	}
	return refPiValue
}

// refLog returns log x for x > 0: x = m·2^e with m in [√½, √2), and log m is
// 2·atanh((m-1)/(m+1)).
func refLog(x *big.Float) *big.Float {
	m := refFloat()
	e := x.MantExp(m)
	if m.Cmp(big.NewFloat(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	one := big.NewFloat(1)
	lm := refAtanh(refFloat().Quo(refFloat().Sub(m, one), refFloat().Add(m, one)))
	lm.SetMantExp(lm, 1)
	return lm.Add(lm, refFloat().Mul(refLn2(), refFloat().SetInt64(int64(e))))
}

// refCos returns cos x: |x| = n·π/2 + r exactly enough (π to 400 bits), then the
// Taylor series of cos r or sin r, |r| <= π/4.
func refCos(x float64) *big.Float {
	ax := refFloat().SetFloat64(math.Abs(x))
	half := refFloat().Quo(refPi(), big.NewFloat(2))
	q := refFloat().Quo(ax, half)
	n, _ := q.Add(q, big.NewFloat(0.5)).Int(nil)
	r := refFloat().Sub(ax, refFloat().Mul(half, refFloat().SetInt(n)))
	odd := n.Bit(0) == 1
	// cos r = Σ (-1)^k r^2k/(2k)!, sin r = Σ (-1)^k r^(2k+1)/(2k+1)!
	term := big.NewFloat(1).SetPrec(refPrec)
	start := 1
	if odd {
		term.Set(r)
		start = 2
	}
	sum := refFloat().Set(term)
	r2 := refFloat().Mul(r, r)
	eps := refFloat().SetMantExp(big.NewFloat(1), -refPrec-8)
	for i := start; ; i += 2 {
		term.Mul(term, r2)
		term.Quo(term, refFloat().SetInt64(int64(i*(i+1))))
		term.Neg(term)
		sum.Add(sum, term)
		if term.Sign() == 0 || refFloat().Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	// cos x is cos r, -sin r, -cos r, sin r for n mod 4 = 0, 1, 2, 3.
	if k := n.Bits(); len(k) > 0 && k[0]&3 != 0 && k[0]&3 != 3 {
		sum.Neg(sum)
	}
	return sum
}

// significantBits returns how many bits x's significand spans, from its leading
// one to its last one.
func significantBits(x float64) int {
	m := math.Float64bits(x)&(1<<52-1) | 1<<52
	return 53 - bits.TrailingZeros64(m)
}

// TestLogTable: every entry of logTable is log(j/64) rounded to a float64, and the
// rest of it rounded again; ln2Hi is ln2 cut to 42 bits, so that k·ln2Hi is exact for
// every exponent k of a float64, and ln2Hi+ln2Lo is ln2 to within 2^-95. A failure
// prints the entry as it should read.
func TestLogTable(t *testing.T) {
	for j := logLow; j < logLow+len(logTable); j++ {
		exact := refLog(refFloat().Quo(refFloat().SetInt64(int64(j)), refFloat().SetInt64(logSteps)))
		hi, _ := exact.Float64()
		lo, _ := refFloat().Sub(exact, refFloat().SetFloat64(hi)).Float64()
		if got := logTable[j-logLow]; got != [2]float64{hi, lo} {
			t.Errorf("logTable[%d-%d] = {%x, %x}, want {%x, %x}", j, logLow, got[0], got[1], hi, lo)
		}
	}
	if logTable[logSteps-logLow] != [2]float64{0, 0} {
		t.Errorf("log(64/64) is not exactly 0")
	}
	if n := significantBits(ln2Hi); n > 42 {
		t.Errorf("ln2Hi has %d significant bits, want at most 42", n)
	}
	if cut := new(big.Float).SetPrec(42).SetMode(big.ToZero).Set(refLn2()); cut.Cmp(big.NewFloat(ln2Hi)) != 0 {
		t.Errorf("ln2Hi = %x, want ln2 cut to 42 bits, %s", ln2Hi, cut.Text('p', 0))
	}
	rest := refFloat().Sub(refLn2(), big.NewFloat(ln2Hi))
	if want, _ := rest.Float64(); want != ln2Lo {
		t.Errorf("ln2Lo = %x, want %x", ln2Lo, want)
	}
	// The largest |k|: the smallest subnormal, 2^-1074.
	for _, k := range []float64{-1074, 1023, 1074} {
		exact := new(big.Float).SetPrec(200).Mul(big.NewFloat(k), big.NewFloat(ln2Hi))
		if f, acc := exact.Float64(); acc != big.Exact || f != float64(k*ln2Hi) {
			t.Errorf("%v·ln2Hi is not exact in a float64", k)
		}
	}
}

// TestCosReduction: pio2a, pio2b and pio2c are π/2's first 99 bits in chunks of
// 33, each truncated from what the ones before leave, so that n times each is exact
// for every n below 2^20; pio2d is the rest rounded.
func TestCosReduction(t *testing.T) {
	rest := refFloat().Quo(refPi(), big.NewFloat(2))
	for i, p := range []float64{pio2a, pio2b, pio2c} {
		want, _ := new(big.Float).SetPrec(33).SetMode(big.ToZero).Set(rest).Float64()
		if p != want {
			t.Errorf("part %d of π/2 = %x, want %x", i, p, want)
		}
		if n := significantBits(p); n > 33 {
			t.Errorf("part %d of π/2 has %d significant bits", i, n)
		}
		rest.Sub(rest, big.NewFloat(p))
	}
	if want, _ := rest.Float64(); want != pio2d {
		t.Errorf("pio2d = %x, want %x", float64(pio2d), want)
	}
	// The largest n cos takes: cosMax·2/π, rounded.
	if n := math.Round(cosMax * 2 / math.Pi); n >= 1<<20 {
		t.Errorf("cos's largest n is %v: n times a 33-bit part of π/2 may round", n)
	}
}

// logInputs returns inputs of log: whole durations in nanoseconds from 1 to the
// largest (spread evenly over their logarithms), fractions, numbers within a hair
// of 1, positive float64s of any exponent (subnormals too), and the edges of logTable's
// steps and of the doubling at 0.75.
func logInputs(r *rand.Rand, n int) []float64 {
	var xs []float64
	for i := range n {
		switch i % 4 {
		case 0: // a duration: a random int64 below 2^b, b uniform in [1, 63]
			b := 1 + r.IntN(63)
			xs = append(xs, float64(1+r.Int64N(math.MaxInt64>>(63-b))))
		case 1: // a fraction
			xs = append(xs, r.Float64())
		case 2: // near 1
			xs = append(xs, 1+math.Ldexp(r.Float64()-0.5, -r.IntN(60)))
		default: // any finite positive float64 but 0
			xs = append(xs, math.Float64frombits(1+r.Uint64N(0x7ff0000000000000-1)))
		}
	}
	for j := logLow; j <= logLow+len(logTable); j++ {
		for _, e := range []int{-1074, -1022, -1, 0, 1, 40, 1023} {
			mid := math.Ldexp((float64(j)-0.5)/logSteps, e)
			xs = append(xs, mid, math.Nextafter(mid, 0), math.Nextafter(mid, math.Inf(1)), math.Ldexp(float64(j)/logSteps, e))
		}
	}
	for _, x := range []float64{0.75, 1.5, 1, 2, 0.5, math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022, math.MaxInt64, 1e19} {
		xs = append(xs, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)))
	}
	return xs
}

// TestLogAccurate: log is within 0.52 units in the last place of the logarithm
// computed in 400 bits, over logInputs; and it is within one unit of math.Log
// everywhere.
func TestLogAccurate(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(3, 4))
	xs := logInputs(r, 16000)
	worst, worstX, over, differ := 0.0, 0.0, 0, 0
	for _, x := range xs {
		got := log(x)
		if math.IsInf(got, 0) {
			continue // Nextafter(MaxFloat64, +Inf)
		}
		u := ulpsOff(got, refLog(refFloat().SetFloat64(x)))
		if u > worst {
			worst, worstX = u, x
		}
		if u > 0.5 {
			over++
		}
		if x < 0x1p-1022 {
			// amd64's math.Log does not normalize a subnormal (golang/go#56600):
			// math.Log(5e-324) is -709.09 there, not -744.44 (log gives the latter).
			continue
		}
		if m := math.Log(x); got != m {
			differ++
			if math.Abs(got-m) > math.Abs(math.Nextafter(got, m)-got) {
				t.Errorf("log(%v) = %v, math.Log %v: more than a unit apart", x, got, m)
			}
		}
	}
	t.Logf("%d inputs: worst %.4f ulp (at %v); %d not rounded to nearest; %d differ from math.Log (by one unit)", len(xs), worst, worstX, over, differ)
	if worst > 0.52 {
		t.Fatalf("log(%v) is %.4f units in the last place off", worstX, worst)
	}
}

// TestLogEdges: log takes what math.Log takes, and gives the same for the special
// values: -Inf at zero, +Inf at +Inf, NaN below zero and at NaN, 0 exactly at 1.
func TestLogEdges(t *testing.T) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1, math.Inf(1), 2, 0.5, math.E} {
		if got, want := log(x), math.Log(x); got != want {
			t.Errorf("log(%v) = %v, want %v", x, got, want)
		}
	}
	if got := log(1); math.Signbit(got) {
		t.Errorf("log(1) = -0, want +0")
	}
	for _, x := range []float64{-1, -math.SmallestNonzeroFloat64, math.Inf(-1), math.NaN()} {
		if got := log(x); !math.IsNaN(got) {
			t.Errorf("log(%v) = %v, want NaN", x, got)
		}
	}
	// A power of two is k·ln2, rounded once.
	for k := -1074; k <= 1023; k++ {
		want, _ := refFloat().Mul(refLn2(), refFloat().SetInt64(int64(k))).Float64()
		if got := log(math.Ldexp(1, k)); got != want {
			t.Errorf("log(2^%d) = %v, want %v", k, got, want)
		}
	}
}

// cosInputs returns inputs of cos: phases as a skewed clock computes them
// (clockSeg.phase: 2π·(t mod period)/period, for periods from a millisecond to 24h),
// uniform in [0, 2π], the doubles nearest to and next to n·π/2 (where cos is about
// the reduced argument, and every bit of the reduction counts), tiny ones, and any
// up to cos's bound.
func cosInputs(r *rand.Rand, n int) []float64 {
	var xs []float64
	for i := range n {
		switch i % 4 {
		case 0, 1:
			s := clockSeg{period: int64(MinPeriod) + r.Int64N(int64(24*time.Hour))}
			xs = append(xs, s.phase(time.Duration(r.Int64N(math.MaxInt64))))
		case 2:
			xs = append(xs, 2*math.Pi*r.Float64())
		default:
			xs = append(xs, float64(cosMax*(float64(2*r.Float64())-1)))
		}
	}
	for k := range 64 {
		p := float64(k) * math.Pi / 2
		xs = append(xs, p, math.Nextafter(p, 0), math.Nextafter(p, 10), -p, math.Ldexp(1, -k), math.Ldexp(1, -k-960))
	}
	for range 2000 {
		p := float64(r.IntN(1<<20)) * math.Pi / 2
		if p < cosMax {
			xs = append(xs, p, math.Nextafter(p, 0), math.Nextafter(p, cosMax))
		}
	}
	top := math.Nextafter(cosMax, 0)
	return append(xs, 0, 2*math.Pi, math.Nextafter(2*math.Pi, 10), top, math.Pi/4, 3*math.Pi/4, 5*math.Pi/4, 7*math.Pi/4, math.SmallestNonzeroFloat64)
}

// TestCosAccurate: cos is within 0.55 units in the last place of the cosine
// computed in 400 bits, over cosInputs: phases, and any x up to 2^20 including those
// next to a multiple of π/2; and within two units of math.Cos (which is off by up
// to 1.4) over [0, 2π].
func TestCosAccurate(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(5, 6))
	xs := cosInputs(r, 16000)
	worst, worstX, over, differ, mostApart := 0.0, 0.0, 0, 0, 0.0
	for _, x := range xs {
		got := cos(x)
		u := ulpsOff(got, refCos(x))
		if u > worst {
			worst, worstX = u, x
		}
		if u > 0.5 {
			over++
		}
		if m := math.Cos(x); got != m {
			differ++
			if x < 0 || x > 2*math.Pi {
				continue
			}
			// In units of the last place of |cos x|, or of 2^-10 near the zeros,
			// where math.Cos is off by several units of its tiny result.
			mag := max(math.Abs(got), 0x1p-10)
			apart := math.Abs(got-m) / (math.Nextafter(mag, 2) - mag)
			if apart > 2 {
				t.Errorf("cos(%v) = %v, math.Cos %v: %.1f units apart", x, got, m, apart)
			}
			mostApart = max(mostApart, apart)
		}
	}
	t.Logf("%d inputs: worst %.4f ulp (at %v); %d not rounded to nearest; %d differ from math.Cos, in [0, 2π] by up to %.2f units",
		len(xs), worst, worstX, over, differ, mostApart)
	if worst > 0.55 {
		t.Fatalf("cos(%v) is %.4f units in the last place off", worstX, worst)
	}
}

// TestCosEdges: cos(0) is exactly 1 (a clock's c0 at phase 0), cos is even, and
// outside its bound, and at ±Inf and NaN, it returns NaN.
func TestCosEdges(t *testing.T) {
	for _, x := range []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, 0x1p-30} {
		if got := cos(x); got != 1 {
			t.Errorf("cos(%v) = %v, want 1", x, got)
		}
	}
	for _, x := range []float64{cosMax, -cosMax, 1e300, math.Inf(1), math.Inf(-1), math.NaN()} {
		if got := cos(x); !math.IsNaN(got) {
			t.Errorf("cos(%v) = %v, want NaN", x, got)
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 10000 {
		x := cosMax * r.Float64()
		if cos(x) != cos(-x) {
			t.Fatalf("cos(%v) = %v, cos(-x) = %v", x, cos(x), cos(-x))
		}
	}
	if c := cos(math.Nextafter(cosMax, 0)); math.IsNaN(c) || c < -1 || c > 1 {
		t.Errorf("cos(just under 2^20) = %v", c)
	}
}

// TestNormalTail: normalTail is within 1e-12 of 1/2·math.Erfc(x/√2) over [-8, 37]
// (math.Erfc is within a few units in the last place), its continued fraction has
// converged where it starts (at x = 3, twice as many terms give the same bits), and
// it gives 1/2 at 0, 1 and 0 at the infinities and NaN at NaN.
func TestNormalTail(t *testing.T) {
	worst, worstX := 0.0, 0.0
	for i := range 45000 {
		x := -8 + float64(i)/1000
		want := 0.5 * math.Erfc(x/math.Sqrt2)
		if rel := math.Abs(normalTail(x)-want) / want; rel > worst {
			worst, worstX = rel, x
		}
	}
	t.Logf("worst %.3g of Q(x) (at %v)", worst, worstX)
	if worst > 1e-12 {
		t.Errorf("normalTail(%v) is %.3g of itself off", worstX, worst)
	}
	for _, x := range []float64{3, 3.5, 5, 10} {
		cf := 0.0
		for k := 2 * normalTailTerms; k > 0; k-- {
			cf = float64(k) / (x + cf)
		}
		density := float64(exp(float64(-0.5*float64(x*x))) * invSqrt2Pi)
		if got, want := normalTail(x), density/(x+cf); got != want {
			t.Errorf("normalTail(%v) = %v, with twice the terms %v", x, got, want)
		}
	}
	for _, c := range []struct{ x, want float64 }{{0, 0.5}, {math.Inf(1), 0}, {math.Inf(-1), 1}, {38.6, 0}, {-38.6, 1}} {
		if got := normalTail(c.x); got != c.want {
			t.Errorf("normalTail(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := normalTail(math.NaN()); !math.IsNaN(got) {
		t.Errorf("normalTail(NaN) = %v", got)
	}
	twoPi := refFloat().Mul(refPi(), big.NewFloat(2))
	if want, _ := refFloat().Quo(big.NewFloat(1), twoPi.Sqrt(twoPi)).Float64(); invSqrt2Pi != want {
		t.Errorf("invSqrt2Pi = %v, want %v", float64(invSqrt2Pi), want)
	}
}

// TestFmathGolden pins the bits of exp, log, cos and normalTail, and of what they
// make in the simulation (a lognormal's mu and its mean under the cap, a skewed
// clock's readings), over a million inputs each: an FNV-64a hash of the results,
// the same on every machine. The inputs come from PCG, which is integer
// arithmetic, and the functions are plain float64 arithmetic without fused
// products (so are the inputs: a product added unconverted, 7 + 22*r.Float64(), is
// fused on arm64 and under GOAMD64=v3, and gave other inputs there), so an arm64
// build of this test (run under qemu-aarch64 by cmd/ensim's
// TestNetmodelMathOnArm64) must find the same hashes: a failure there, and not
// here, is a platform difference. A change of the functions that changes a result
// changes a hash; the message prints the new one.
func TestFmathGolden(t *testing.T) {
	skipUnderRace(t)
	const n = 1 << 20
	type golden struct {
		name string
		want uint64
		fn   func(r *rand.Rand, i int) float64
	}
	logs := logInputs(rand.New(rand.NewPCG(11, 12)), n)
	coss := cosInputs(rand.New(rand.NewPCG(13, 14)), n)
	clocks := []clockSeg{
		newSeg(0, 0, ClockModel{PeriodicPPM: 100000, Period: Duration(24 * time.Hour)}),
		newSeg(0, 0, ClockModel{PeriodicPPM: -100000, Period: Duration(24 * time.Hour), DriftPPM: 50}),
		newSeg(0, time.Hour, ClockModel{PeriodicPPM: 50000, Period: Duration(400 * time.Millisecond)}),
		newSeg(0, 0, ClockModel{PeriodicPPM: 12345, Period: Duration(17 * time.Minute)}),
	}
	for _, g := range []golden{
		{"exp", 0x987f6bedb951c789, func(r *rand.Rand, i int) float64 {
			if i%2 == 0 {
				return exp(7 + float64(22*r.Float64()))
			}
			return exp(float64(1400*r.Float64()) - 700)
		}},
		{"log", 0xe39e6a6bd8f11d6e, func(_ *rand.Rand, i int) float64 { return log(logs[i%len(logs)]) }},
		{"cos", 0x44af1e5103c4815a, func(_ *rand.Rand, i int) float64 { return cos(coss[i%len(coss)]) }},
		{"mu", 0xca7d2de01fb2bca5, func(r *rand.Rand, i int) float64 {
			// Every swarm mean from 100µs on, a nanosecond apart, then any mean.
			mean := Duration(100*time.Microsecond + time.Duration(i))
			if i%2 == 1 {
				mean = Duration(1 + r.Int64N(math.MaxInt64))
			}
			return Dist{Kind: "lognormal", Mean: mean, Sigma: 0.1 + float64(i%15)/10}.sampler().mu
		}},
		{"normalTail", 0xe4fc1587d1f8a7a1, func(r *rand.Rand, i int) float64 { return normalTail(float64(80*r.Float64()) - 40) }},
		{"expected", 0x1a1e49c3ddb8d536, func(r *rand.Rand, i int) float64 {
			// A lognormal's mean as cut at LognormalCap, for any mean and sigma a
			// spec takes.
			d := Dist{Kind: "lognormal", Mean: Duration(1 + r.Int64N(int64(24*time.Hour))), Sigma: float64(10 * r.Float64())}
			return float64(d.Expected())
		}},
		{"clock", 0x552b1690116eac43, func(r *rand.Rand, i int) float64 {
			s := &clocks[i%len(clocks)]
			return float64(s.at(time.Duration(r.Int64N(int64(24 * time.Hour)))))
		}},
	} {
		r := rand.New(rand.NewPCG(21, 22))
		h := fnv.New64a()
		var b [8]byte
		for i := range n {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(g.fn(r, i)))
			h.Write(b[:])
		}
		if got := h.Sum64(); got != g.want {
			t.Errorf("%s: hash of the results %#016x, want %#016x", g.name, got, g.want)
		}
	}
}

// TestClockMonotoneAtMaxPeriod: a clock that wanders as far as a valid model lets it
// (periodic_ppm ±100000 over MaxPeriod, with or without the largest drift against
// it) never reads less a nanosecond later, read at every nanosecond of stretches
// where its rate is lowest, where it changes fastest, and where the period wraps.
// And the check does see the steps back that a period of a century made, which
// ClockModel.Validate now refuses: there a unit in the last place of the cosine is
// several nanoseconds of the reading.
func TestClockMonotoneAtMaxPeriod(t *testing.T) {
	backs := func(c ClockModel, from time.Duration, n int) int {
		s := newSeg(0, 0, c)
		prev, back := s.at(from), 0
		for i := 1; i < n; i++ {
			v := s.at(from + time.Duration(i))
			if v < prev {
				back++
			}
			prev = v
		}
		return back
	}
	for _, c := range []ClockModel{
		{PeriodicPPM: 100000, Period: Duration(MaxPeriod)},
		{PeriodicPPM: -100000, Period: Duration(MaxPeriod), DriftPPM: -100000}, // rate 0.8 at 6h
	} {
		if err := c.Validate("clock"); err != nil {
			t.Fatal(err)
		}
		for _, from := range []time.Duration{0, 6 * time.Hour, 12 * time.Hour, 18 * time.Hour, MaxPeriod - 250*time.Microsecond} {
			if n := backs(c, from, 500_000); n > 0 {
				t.Errorf("%+v: %d steps back in 500µs from %v", c, n, from)
			}
		}
	}
	century := ClockModel{PeriodicPPM: -100000, Period: Duration(876000 * time.Hour)}
	if n := backs(century, 12*time.Hour, 2_000_000); n == 0 {
		t.Errorf("%+v: no step back in 2ms from 12h: the check cannot see one", century)
	}
}

func BenchmarkLog(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = float64(r.Int64N(int64(time.Second))) // a mean in nanoseconds
	}
	benchAgainstMath(b, xs, log, math.Log)
}

func BenchmarkCos(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = 2 * math.Pi * r.Float64() // a clock's phase
	}
	benchAgainstMath(b, xs, cos, math.Cos)
}

// skipUnderRace skips a test of arithmetic alone, a million results or so, under the
// race detector, which finds nothing in it and makes it several times slower: the
// run without -race (go test ./...) makes it.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("-race: arithmetic alone; the run without -race makes this test")
	}
}
