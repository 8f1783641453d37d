package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestParallelBoundSaysWhichApplies: --parallel past its bound is refused naming the
// bound that applies on this machine and why: 64 on a machine of up to 16 CPUs,
// saying how many this one has, and 4 per CPU on a larger one. It said "more than
// 64, 4 worker processes per CPU (or 64)" on a machine of 2 CPUs, where 4 per CPU is
// 8.
func TestParallelBoundSaysWhichApplies(t *testing.T) {
	for _, tc := range []struct {
		cpus, bound int
		why         string
	}{
		{1, 64, "the bound on a machine of up to 16 CPUs, and this one has 1 ("},
		{2, 64, "the bound on a machine of up to 16 CPUs, and this one has 2 ("},
		{16, 64, "the bound on a machine of up to 16 CPUs, and this one has 16 ("},
		{17, 68, "4 worker processes per CPU of this machine's 17"},
		{32, 128, "4 worker processes per CPU of this machine's 32"},
	} {
		if bound, why := parallelBound(tc.cpus); bound != tc.bound || !strings.HasPrefix(why, tc.why) {
			t.Errorf("%d CPUs: %d, %q; want %d, %q", tc.cpus, bound, why, tc.bound, tc.why)
		}
	}
	cpus := runtime.NumCPU()
	bound, _ := parallelBound(cpus)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"sweep", "--scenario", "steady", "--seeds", "1", "--parallel", strconv.Itoa(bound + 1)}, &out, &errb)
	want := fmt.Sprintf("ensim: --parallel %d is more than %d, the bound on a machine of up to 16 CPUs, and this one has %d (", bound+1, bound, cpus)
	if cpus > 16 {
		want = fmt.Sprintf("ensim: --parallel %d is more than %d, 4 worker processes per CPU of this machine's %d:", bound+1, bound, cpus)
	}
	if code != exitUsage || !strings.HasPrefix(errb.String(), want) {
		t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), exitUsage, want)
	}
	if code := run(context.Background(), []string{"sweep", "--scenario", "steady", "--seeds", "1", "--parallel", strconv.Itoa(bound), "--json"}, &out, &errb); code != 0 {
		t.Fatalf("--parallel %d, the bound: exit %d, stderr %q; want it taken", bound, code, errb.String())
	}
}
