package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// A --out directory that exists but cannot be written to is refused before the first
// seed (exit 2), not found out at the first failure.
func TestSweepOutNotWritable(t *testing.T) {
	var dirs []string
	// /proc/self is a directory no one, root included, can create a file in.
	if fi, err := os.Stat("/proc/self"); runtime.GOOS == "linux" && err == nil && fi.IsDir() {
		dirs = append(dirs, "/proc/self")
	}
	if os.Geteuid() != 0 {
		dir := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	if len(dirs) == 0 {
		t.Skip("no directory here that cannot be written to")
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			code, stdout, stderr := ensim(t, "sweep", "--scenario", "steady", "--seeds", "2", "--parallel", "1", "--out", dir)
			if code != exitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and none\n%s", code, stdout, exitUsage, stderr)
			}
			if want := "ensim: --out: " + dir + ": a repro file cannot be written there: "; !strings.HasPrefix(stderr, want) {
				t.Errorf("stderr %q, want it to start %q", stderr, want)
			}
		})
	}
}

// Without --out the repros go to the current directory, which is checked the same way.
func TestSweepDefaultOutNotWritable(t *testing.T) {
	fi, err := os.Stat("/proc/self")
	if runtime.GOOS != "linux" || err != nil || !fi.IsDir() {
		t.Skip("no /proc/self, a directory no one can create a file in")
	}
	t.Chdir("/proc/self")
	code, stdout, stderr := ensim(t, "sweep", "--scenario", "steady", "--seeds", "2", "--parallel", "1")
	if code != exitUsage || stdout != "" {
		t.Errorf("exit %d, stdout %q; want %d and none\n%s", code, stdout, exitUsage, stderr)
	}
	if want := "ensim: the current directory, where repros go without --out: .: a repro file cannot be written there: "; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr %q, want it to start %q", stderr, want)
	}
}

// The check leaves nothing behind in a directory that can be written to.
func TestSweepOutCheckLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "out")
	if err := checkOutDir(dir); err != nil {
		t.Fatal(err)
	}
	if names, err := os.ReadDir(dir); err != nil || len(names) != 0 {
		t.Errorf("%s holds %v (%v), want nothing", dir, names, err)
	}
}

// TestTraceOutCheckedFirst: ensim trace refuses an --out it cannot write before it
// runs the simulation (which may take a minute, for scale), as run refuses its
// --trace, and writes nothing.
func TestTraceOutCheckedFirst(t *testing.T) {
	defer func(h func(scenarios.Spec, scenarios.Options)) { simulateHook = h }(simulateHook)
	simulated := false
	simulateHook = func(scenarios.Spec, scenarios.Options) { simulated = true }
	out := filepath.Join(t.TempDir(), "no-such-dir", "x.txt")
	code, _, stderr := ensim(t, "trace", "--scenario", "steady", "--out", out)
	if code != exitUsage || simulated || !strings.Contains(stderr, "ensim: --out: open "+filepath.Dir(out)) {
		t.Fatalf("exit %d, simulated %v, stderr %q; want %d, no run, the --out error", code, simulated, stderr, exitUsage)
	}
}
