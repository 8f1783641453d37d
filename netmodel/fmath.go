package netmodel

import "math"

// This file holds the logarithm and the cosine the simulation computes, written
// as exp is (exp.go) and for the same reason: math.Log is assembly on amd64 and
// fused Go on arm64, math.Cos fused Go on arm64 only, and each gives another last
// bit on the other machine for about one input in a hundred. A lognormal's mu is a
// logarithm and a wandering clock's reading a cosine, so with math's a seed could,
// rarely, run a nanosecond apart on the two. These are plain float64 arithmetic,
// each product converted on its own so that no platform fuses it into an addition
// (TestNoFusedMultiplyAdd), with tables of constants: the same bits everywhere
// (TestFmathGolden pins them, on amd64 and, under qemu, arm64), and closer to the
// exact values than math's: log within 0.502 units in the last place, cos within
// 0.57, where math.Cos is off by up to 1.4 (TestLogAccurate, TestCosAccurate).

// log returns the natural logarithm of x, within about half a unit in the last
// place, and the same bits on every machine. Like math.Log, it returns -Inf for
// zero, +Inf for +Inf and NaN for a negative x or NaN.
//
// x = 2^k · m with m in [0.75, 1.5) (math.Frexp, then a doubling: numbers near 1
// keep k = 0, so that a small result never comes from cancelling k·ln2 against
// log m). m lies within 1/128 of c = j/64 for a whole j in [48, 96], and f = m-c is
// exact (both are multiples of m's last place), so
//
//	log x = k·ln2 + log c + log(1+u),  u = f/c, |u| <= 1/96.
//
// k·ln2 is k times a head of ln2 short enough (42 bits) that the product is exact
// for every k a float64 has (|k| <= 1074), plus k times the rest; log c comes from
// logTable as two float64s; u is the rounded quotient plus its remainder divided
// again (the remainder of a rounded quotient is a float64, computed in parts so that
// no product rounds); and log(1+u) - u is its Taylor series, -u²/2 + u³/3 - ... to
// u^9 (the next term is under 2^-62 of u). The three large parts are added keeping
// each sum's rounding error (twoSum), the small parts and those errors after them,
// so that the result rounds about once.
func log(x float64) float64 {
	if !(x > 0 && x <= math.MaxFloat64) {
		switch {
		case x == 0:
			return math.Inf(-1)
		case x > 0:
			return x // +Inf
		}
		return math.NaN() // negative, -Inf or NaN
	}
	m, k := math.Frexp(x) // x = m·2^k, m in [0.5, 1); subnormals too
	if m < 0.75 {
		m = float64(m * 2)
		k--
	}
	j := int(float64(m*logSteps) + 0.5) // m·64 is exact; j in [48, 96]
	// c is exact, and converted on its own like the products: the compiler makes the
	// division by 64 a product, which m - c would otherwise fuse.
	c := float64(float64(j) / logSteps)
	f := m - c // exact: |f| <= 1/128
	u := f / c
	// The remainder f - u·c, exactly: u's head (its top 26 bits) and tail each times
	// c (7 bits) are exact products, f minus the first is exact (they are within
	// 2^-25 of each other), and what is left is the remainder, a float64.
	uh := math.Float64frombits(math.Float64bits(u) &^ (1<<27 - 1))
	rem := (f - float64(uh*c)) - float64((u-uh)*c)
	ul := rem / c // u + ul is f/c to about 2^-105 of it
	// log(1+u) - u.
	p := 1.0 / 9
	p = -1.0/8 + float64(u*p)
	p = 1.0/7 + float64(u*p)
	p = -1.0/6 + float64(u*p)
	p = 1.0/5 + float64(u*p)
	p = -1.0/4 + float64(u*p)
	p = 1.0/3 + float64(u*p)
	p = -1.0/2 + float64(u*p)
	p = float64(float64(u*u) * p)
	kf := float64(k)
	t := &logTable[j-logLow]
	hi, e1 := twoSum(float64(kf*ln2Hi), t[0])
	hi, e2 := twoSum(hi, u)
	return hi + (e1 + e2 + float64(kf*ln2Lo) + t[1] + ul + p)
}

// ln2Hi is ln2 cut to its first 42 significant bits, so that k·ln2Hi is exact for
// any |k| < 2^11; ln2Lo is the rest (a constant expression, computed exactly, then
// rounded).
const (
	ln2Hi = 0x1.62e42fefa38p-1
	ln2Lo = math.Ln2 - ln2Hi
)

// logSteps is the number of steps of logTable between 1 and 2; logLow is its first
// numerator.
const (
	logSteps = 64
	logLow   = 48
)

// logTable[j-48] is log(j/64), j = 48..96, as two float64s: the value rounded, and
// the value minus that rounded (TestLogTable holds each to the logarithm computed
// in 400 bits).
var logTable = [97 - logLow][2]float64{
	{-0x1.269621134db92p-2, -0x1.e0efadd9db02bp-56}, // 48/64
	{-0x1.1178e8227e47cp-2, 0x1.0e63a5f01c691p-57},  // 49/64
	{-0x1.f991c6cb3b379p-3, -0x1.f665066f980a2p-57}, // 50/64
	{-0x1.d1037f2655e7bp-3, -0x1.60629242471a2p-57}, // 51/64
	{-0x1.a93ed3c8ad9e3p-3, -0x1.bcafa9de97203p-57}, // 52/64
	{-0x1.823c16551a3c2p-3, 0x1.1232ce70be781p-57},  // 53/64
	{-0x1.5bf406b543db2p-3, 0x1.1f5b44c0df7e7p-61},  // 54/64
	{-0x1.365fcb0159016p-3, -0x1.7d411a5b944adp-58}, // 55/64
	{-0x1.1178e8227e47cp-3, 0x1.0e63a5f01c691p-58},  // 56/64
	{-0x1.da727638446a2p-4, -0x1.401fa71733019p-58}, // 57/64
	{-0x1.9335e5d594989p-4, 0x1.478a85704ccb7p-58},  // 58/64
	{-0x1.4d3115d207eacp-4, -0x1.769f42c7842ccp-58}, // 59/64
	{-0x1.08598b59e3a07p-4, 0x1.dd7009902bf32p-58},  // 60/64
	{-0x1.894aa149fb343p-5, -0x1.a8be97660a23dp-60}, // 61/64
	{-0x1.0415d89e74444p-5, -0x1.c05cf1d753622p-59}, // 62/64
	{-0x1.0205658935847p-6, -0x1.27c8e8416e71fp-60}, // 63/64
	{0, 0}, // 64/64
	{0x1.fc0a8b0fc03e4p-7, -0x1.83092c59642a1p-62}, // 65/64
	{0x1.f829b0e783300p-6, 0x1.33e3f04f1ef23p-60},  // 66/64
	{0x1.77458f632dcfcp-5, 0x1.18d3ca87b9296p-59},  // 67/64
	{0x1.f0a30c01162a6p-5, 0x1.85f325c5bbacdp-59},  // 68/64
	{0x1.341d7961bd1d1p-4, -0x1.b599f227becbbp-58}, // 69/64
	{0x1.6f0d28ae56b4cp-4, -0x1.906d99184b992p-58}, // 70/64
	{0x1.a926d3a4ad563p-4, 0x1.942f48aa70ea9p-58},  // 71/64
	{0x1.e27076e2af2e6p-4, -0x1.61578001e0162p-60}, // 72/64
	{0x1.0d77e7cd08e59p-3, 0x1.9a5dc5e9030acp-57},  // 73/64
	{0x1.29552f81ff523p-3, 0x1.301771c407dbfp-57},  // 74/64
	{0x1.44d2b6ccb7d1ep-3, 0x1.9f4f6543e1f88p-57},  // 75/64
	{0x1.5ff3070a793d4p-3, -0x1.bc60efafc6f6ep-58}, // 76/64
	{0x1.7ab890210d909p-3, 0x1.be36b2d6a0608p-59},  // 77/64
	{0x1.9525a9cf456b4p-3, 0x1.d904c1d4e2e26p-57},  // 78/64
	{0x1.af3c94e80bff3p-3, -0x1.398cff3641985p-58}, // 79/64
	{0x1.c8ff7c79a9a22p-3, -0x1.4f689f8434012p-57}, // 80/64
	{0x1.e27076e2af2e6p-3, -0x1.61578001e0162p-59}, // 81/64
	{0x1.fb9186d5e3e2bp-3, -0x1.caaae64f21acbp-57}, // 82/64
	{0x1.0a324e27390e3p-2, 0x1.7dcfde8061c03p-56},  // 83/64
	{0x1.1675cababa60ep-2, 0x1.ce63eab883717p-61},  // 84/64
	{0x1.22941fbcf7966p-2, -0x1.76f5eb09628afp-56}, // 85/64
	{0x1.2e8e2bae11d31p-2, -0x1.8f4cdb95ebdf9p-56}, // 86/64
	{0x1.3a64c556945eap-2, -0x1.c68651945f97cp-57}, // 87/64
	{0x1.4618bc21c5ec2p-2, 0x1.f42decdeccf1dp-56},  // 88/64
	{0x1.51aad872df82dp-2, 0x1.3927ac19f55e3p-59},  // 89/64
	{0x1.5d1bdbf5809cap-2, 0x1.4236383dc7fe1p-56},  // 90/64
	{0x1.686c81e9b14afp-2, -0x1.ddea0f7f58e3dp-57}, // 91/64
	{0x1.739d7f6bbd007p-2, -0x1.8c76ceb014b04p-56}, // 92/64
	{0x1.7eaf83b82afc3p-2, 0x1.92ce979ed2950p-56},  // 93/64
	{0x1.89a3386c1425bp-2, -0x1.29639dfbbf0fbp-56}, // 94/64
	{0x1.947941c2116fbp-2, -0x1.16cc8bae0bbe4p-56}, // 95/64
	{0x1.9f323ecbf984cp-2, -0x1.a92e513217f5cp-59}, // 96/64
}

// twoSum returns a+b rounded and the rounding error: s + err is a+b exactly
// (Knuth's two-sum: six additions, no condition on the operands).
func twoSum(a, b float64) (s, err float64) {
	s = a + b
	bb := s - a
	err = (a - (s - bb)) + (b - bb)
	return s, err
}

// cosMax bounds cos's argument.
const cosMax = 0x1p20

// cos returns the cosine of x (in radians) for |x| < 2^20, within about half a
// unit in the last place, and the same bits on every machine. It is meant for
// phases: a clock's phase (clockSeg.phase) lies in [0, 2π]. For |x| >= 2^20, ±Inf
// and NaN it returns NaN: a reduction that stays exact that far would need many
// more bits of π, and an obviously wrong value is better than a subtly wrong one.
//
// |x| = n·π/2 + r with n = |x|·2/π rounded and |r| <= π/4 or a hair more. π/2 is
// taken in four parts: three of at most 33 significant bits, so that n (under 2^20)
// times each is exact, and the rest; |x| minus the first product is exact too (the
// two are within a factor of two), and the others are subtracted keeping their
// rounding errors (twoSum), which leaves r as two float64s, r + rl, exact far past
// r's last place even next to a multiple of π/2, where cos x is about r and every
// bit of it counts. Then cos x is cos r, -sin r, -cos r or sin r, by n mod 4, each
// from its Taylor series (cosKernel, sinKernel).
func cos(x float64) float64 {
	ax := math.Abs(x)
	if !(ax < cosMax) {
		return math.NaN()
	}
	// n = ax·2/π rounded to the nearest integer: adding 1.5·2^52 leaves no bits
	// below the units, so the addition rounds, and n sits in the low bits.
	const shifter = 0x1.8p52
	nf := float64(ax*(2/math.Pi)) + shifter
	n := math.Float64bits(nf) - math.Float64bits(shifter)
	nf -= shifter
	r := ax - float64(nf*pio2a)
	r, e1 := twoSum(r, -float64(nf*pio2b))
	r, e2 := twoSum(r, -float64(nf*pio2c))
	r, rl := twoSum(r, (e1+e2)-float64(nf*pio2d))
	switch n & 3 {
	case 0:
		return cosKernel(r, rl)
	case 1:
		return -sinKernel(r, rl)
	case 2:
		return -cosKernel(r, rl)
	}
	return sinKernel(r, rl)
}

// π/2 in four parts: pio2a, pio2b and pio2c are its first 99 bits in chunks of 33
// (each truncated from what the ones before leave), pio2d is the rest rounded (a
// constant expression: math.Pi holds 63 digits, about 209 bits). TestCosReduction
// checks them against π computed in 400 bits.
const (
	pio2a = 0x1.921fb544p+0
	pio2b = 0x1.0b4611a6p-34
	pio2c = 0x1.3198a2ep-69
	pio2d = math.Pi/2 - pio2a - pio2b - pio2c
)

// cosKernel returns cos(r+rl) for |r| <= π/4 (or a hair more) and |rl| at most half
// a unit in r's last place. cos r = 1 - r²/2 + r⁴/24 - ...: the first two terms
// carry most of the result, so r² is computed exactly, as z + zl (Dekker's product,
// r split in two halves of 26 bits by Veltkamp's method: every partial product is
// exact), and 1 - z/2 keeps its rounding error; the series goes on to r^18 (the next
// term is under 2^-67 of the result), and rl adds -sin(r)·rl, which is -r·rl to
// well within the last place.
func cosKernel(r, rl float64) float64 {
	const split = 0x1p27 + 1
	s := float64(r * split)
	rh := s - (s - r)
	rt := r - rh
	z := float64(r * r)
	zl := (((float64(rh*rh) - z) + float64(rh*rt)) + float64(rt*rh)) + float64(rt*rt)
	hz := float64(0.5 * z)
	w := 1 - hz
	tail := -1.0 / 6402373705728000 // -1/18!
	tail = 1.0/20922789888000 + float64(z*tail)
	tail = -1.0/87178291200 + float64(z*tail)
	tail = 1.0/479001600 + float64(z*tail)
	tail = -1.0/3628800 + float64(z*tail)
	tail = 1.0/40320 + float64(z*tail)
	tail = -1.0/720 + float64(z*tail)
	tail = 1.0/24 + float64(z*tail)
	tail = float64(float64(z*z) * tail) // r⁴/4! - r⁶/6! + ...
	// 1 - w is exact (w is within a factor of two of 1), so (1-w) - hz is the
	// rounding error of w.
	return w + ((((1 - w) - hz) - float64(0.5*zl)) + (tail - float64(r*rl)))
}

// sinKernel returns sin(r+rl) for |r| <= π/4 (or a hair more) and |rl| at most half
// a unit in r's last place: r - r³/6 + r⁵/120 - ... to r^17 (the next term is under
// 2^-62 of the result). The second term is up to a tenth of the first, and so that
// its own rounding does not show in the result it is computed in two parts too: r²
// and then r³ exactly (Dekker's products), r³/6 as the rounded quotient and its
// remainder, which is exact, and r - r³/6 keeping its rounding error. The terms
// from r⁵ on are plain float64 (they are at most r/300), and rl adds cos(r)·rl,
// which is (1 - r²/2)·rl to well within the last place.
func sinKernel(r, rl float64) float64 {
	const split = 0x1p27 + 1
	s := float64(r * split)
	rh := s - (s - r)
	rt := r - rh
	z := float64(r * r)
	zl := (((float64(rh*rh) - z) + float64(rh*rt)) + float64(rt*rh)) + float64(rt*rt)
	s = float64(z * split)
	zh := s - (s - z)
	zt := z - zh
	p := float64(r * z) // r³ = p + q, to about 2^-105 of it
	q := (((float64(rh*zh) - p) + float64(rh*zt)) + float64(rt*zh)) + float64(rt*zt)
	q += float64(r * zl)
	// c = p/6 rounded; p - 4c and then (p - 4c) - 2c are exact (each pair is within
	// a factor of two), so rem is p - 6c exactly.
	c := p / 6
	rem := (p - float64(4*c)) - float64(2*c)
	tail := 1.0 / 355687428096000 // 1/17!
	tail = -1.0/1307674368000 + float64(z*tail)
	tail = 1.0/6227020800 + float64(z*tail)
	tail = -1.0/39916800 + float64(z*tail)
	tail = 1.0/362880 + float64(z*tail)
	tail = -1.0/5040 + float64(z*tail)
	tail = 1.0/120 + float64(z*tail)
	tail = float64(float64(r*float64(z*z)) * tail) // r⁵/5! - r⁷/7! + ...
	w, we := twoSum(r, -c)
	return w + (we + ((float64(rl*(1-float64(0.5*z))) - (rem+q)/6) + tail))
}

// normalTail returns Q(x) = P(Z > x) for a standard normal Z, to within about
// 1e-12 of itself, and the same bits on every machine (it is built on exp, with
// every product converted on its own). Dist.Expected computes with it the mean of
// a lognormal draw cut at LognormalCap. Q(-x) = 1 - Q(x); for 0 <= x < 3,
//
//	Q(x) = 1/2 - φ(x)·(x + x³/3 + x⁵/(3·5) + x⁷/(3·5·7) + ...),
//
// φ the normal density, a series of positive terms (the subtraction loses about 9
// bits at x = 3, where Q is 0.00135); from 3 on, Laplace's continued fraction
// Q(x) = φ(x)/(x + 1/(x + 2/(x + 3/(x + ...)))), evaluated from its
// normalTailTerms-th term back. From about 37.4 on, where e^(-x²/2) is past exp's
// range, it returns 0 (Q is under 1e-305 there).
func normalTail(x float64) float64 {
	switch {
	case x != x:
		return x // NaN
	case x < 0:
		return 1 - normalTail(-x)
	}
	density := float64(exp(float64(-0.5*float64(x*x))) * invSqrt2Pi)
	if x < 3 {
		x2 := float64(x * x)
		term, sum := x, x
		for k := 3.0; term > float64(sum*0x1p-60); k += 2 {
			term = float64(term*x2) / k
			sum += term
		}
		return 0.5 - float64(density*sum)
	}
	t := 0.0
	for k := normalTailTerms; k > 0; k-- {
		t = float64(k) / (x + t)
	}
	return density / (x + t)
}

// normalTailTerms is how deep normalTail starts its continued fraction: at x = 3,
// where it converges slowest, 60 terms give every bit (TestNormalTail).
const normalTailTerms = 80

// invSqrt2Pi is 1/√(2π), the normal density at 0 (TestNormalTail checks it).
const invSqrt2Pi = 0.398942280401432677939946059934381868
