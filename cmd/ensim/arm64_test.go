//go:build !race

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/scenarios"
)

// arm64Seeds is how many seeds of each scenario and semantics TestSameRunOnArm64
// compares.
const arm64Seeds = 3

// TestSameRunOnArm64: a seed runs the same on arm64 as here. A failure found by CI
// (amd64) must replay on a developer's arm64 machine, and the other way round. The
// test builds ensim for linux/arm64, runs it under qemu-aarch64 as a sweep worker
// over the first seeds of every scenario but scale, both semantics, each with its
// trace hash, and compares each result with this binary's own, wall time aside.
// Without qemu-aarch64 (Debian's qemu-user) it skips, unless ENSROUTE_ARM64_TEST is
// "require", as .ci/run sets it. It is left out of -race builds: the race detector
// adds minutes and nothing to a comparison of two single-threaded runs.
// TestNoFusedMultiplyAdd (internal/archtest) checks the cause of difference this
// test is most likely to meet, in the machine code itself.
func TestSameRunOnArm64(t *testing.T) {
	qemu := arm64Qemu(t)
	bin := filepath.Join(t.TempDir(), "ensim-arm64")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build for linux/arm64: %v\n%s", err, out)
	}
	for _, name := range scenarios.Names() {
		if name == "scale" {
			continue // a million calls: minutes under qemu
		}
		for _, sem := range []string{"default", "riak"} {
			t.Run(name+"/"+sem, func(t *testing.T) {
				var in bytes.Buffer
				fmt.Fprintf(&in, "{\"scenario\":%q,\"semantics\":%q}\n", name, sem)
				for seed := 1; seed <= arm64Seeds; seed++ {
					fmt.Fprintf(&in, "{\"seed\":%d,\"hash\":true}\n", seed)
				}
				var here bytes.Buffer
				if err := serveWorker(bytes.NewReader(in.Bytes()), &here); err != nil {
					t.Fatal(err)
				}
				arm := exec.Command(qemu, bin, workerCommand)
				arm.Stdin = bytes.NewReader(in.Bytes())
				var stderr bytes.Buffer
				arm.Stderr = &stderr
				there, err := arm.Output()
				if err != nil {
					t.Fatalf("ensim %s on arm64: %v\n%s", workerCommand, err, stderr.Bytes())
				}
				want, got := workerResults(t, here.Bytes()), workerResults(t, there)
				if len(want) != arm64Seeds {
					t.Fatalf("%d results here, want %d", len(want), arm64Seeds)
				}
				if d := cmp.Diff(want, got, cmpopts.IgnoreFields(workerResult{}, "WallNS"), cmpopts.EquateEmpty()); d != "" {
					t.Errorf("the runs differ on arm64 (-here +arm64):\n%s", d)
				}
			})
		}
	}
}

// TestNetmodelMathOnArm64: netmodel's own exp, log, cos and normal tail, and the
// lognormal mus and clock readings computed with them, have the same bits on
// arm64 as here: netmodel's TestFmathGolden, which pins a hash of a million results
// of each, built for linux/arm64 and run under qemu-aarch64. TestSameRunOnArm64
// compares whole runs, in which a difference in a last bit seldom moves a
// nanosecond; this compares the bits.
func TestNetmodelMathOnArm64(t *testing.T) {
	qemu := arm64Qemu(t)
	bin := filepath.Join(t.TempDir(), "netmodel-arm64.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "../../netmodel")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c netmodel for linux/arm64: %v\n%s", err, out)
	}
	run := exec.Command(qemu, bin, "-test.run", "^TestFmathGolden$", "-test.v")
	run.Dir = filepath.Join("..", "..", "netmodel")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("netmodel's TestFmathGolden on arm64: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestFmathGolden")) {
		t.Fatalf("netmodel's TestFmathGolden did not run on arm64:\n%s", out)
	}
}

// arm64Qemu returns the path of qemu-aarch64, to run arm64 builds with. It skips
// the test on an arm64 machine, which has nothing to compare with, and without
// qemu-aarch64, unless ENSROUTE_ARM64_TEST is "require" (as .ci/run sets it), when
// it fails it.
func arm64Qemu(t *testing.T) string {
	t.Helper()
	if runtime.GOARCH == "arm64" {
		t.Skip("this machine is arm64: nothing to compare with")
	}
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		if os.Getenv("ENSROUTE_ARM64_TEST") == "require" {
			t.Fatalf("ENSROUTE_ARM64_TEST=require, and qemu-aarch64 is not on PATH (Debian: apt-get install qemu-user): %v", err)
		}
		t.Skip("qemu-aarch64 is not on PATH (Debian: qemu-user); .ci/run installs it")
	}
	return qemu
}

// workerResults decodes a sweep worker's output, one result a line.
func workerResults(t *testing.T, out []byte) []workerResult {
	t.Helper()
	var rs []workerResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r workerResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad result line %q: %v", sc.Bytes(), err)
		}
		if r.TraceHash == "" || r.Error != "" {
			t.Fatalf("seed %d: no trace hash, error %q", r.Seed, r.Error)
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rs
}
