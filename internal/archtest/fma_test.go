package archtest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdd: no simulated code compiles to a fused multiply-add on
// arm64. Go may fuse x*y + z into one instruction that rounds once (the spec allows
// it on arm64, ppc64 and s390x; amd64 never does it unasked), and a fused sum can
// differ from the rounded product added in its last bit: a latency, a clock reading
// or a percentile could then differ between an amd64 CI machine and an arm64
// laptop that replays its seed. An explicit conversion, float64(x*y) + z, rounds
// the product and forbids the fusion. The test builds ensim for linux/arm64 and
// reads its machine code: any fused instruction in a simulated package fails it,
// with the line to convert. The standard library's math package fuses on purpose;
// finding it there shows the check can see one.
func TestNoFusedMultiplyAdd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ensim-arm64")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ensim")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build for linux/arm64: %v\n%s", err, out)
	}
	dump := exec.Command("go", "tool", "objdump", bin)
	stdout, err := dump.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	dump.Stderr = &stderr
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	fused, seen, err := fusedSites(stdout)
	if werr := dump.Wait(); werr != nil {
		t.Fatalf("go tool objdump: %v\n%s", werr, stderr.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(fused["math"]) == 0 {
		t.Fatal("no fused multiply-add found in package math on arm64, which has them (log.go): the check cannot see one")
	}
	for _, dir := range simulated {
		pkg := module + "/" + dir
		if !seen[pkg] && slices.Contains([]string{"sim", "router", "netmodel", "scenarios"}, dir) {
			t.Errorf("no code of %s in ensim: the check did not look at it", pkg)
		}
		for _, site := range fused[pkg] {
			t.Errorf("%s: a fused multiply-add on arm64 (%s); round the product with an explicit float64(...)", pkg, site)
		}
	}
}

// fusedSites reads the output of go tool objdump and returns, by package path, the
// fused multiply-add instructions (arm64's FMADD, FMSUB, FNMADD, FNMSUB) as
// "file:line in symbol", and the packages that have any code at all.
func fusedSites(r io.Reader) (fused map[string][]string, seen map[string]bool, err error) {
	fused, seen = map[string][]string{}, map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	sym, pkg := "", ""
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "TEXT "); ok {
			sym, _, _ = strings.Cut(rest, " ")
			pkg = symbolPackage(sym)
			seen[pkg] = true
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		op := strings.TrimSuffix(strings.TrimSuffix(f[3], "D"), "S")
		switch op {
		case "FMADD", "FMSUB", "FNMADD", "FNMSUB":
			fused[pkg] = append(fused[pkg], f[0]+" in "+sym)
		}
	}
	return fused, seen, sc.Err()
}

// symbolPackage returns the package path of a symbol as objdump names it:
// "github.com/ensroute/ensroute/netmodel.(*sampler).sample(SB)" is in
// github.com/ensroute/ensroute/netmodel.
func symbolPackage(sym string) string {
	slash := strings.LastIndex(sym, "/") + 1
	if dot := strings.Index(sym[slash:], "."); dot >= 0 {
		return sym[:slash+dot]
	}
	return sym
}
