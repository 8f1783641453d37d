package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// buildPrograms builds ensnode and ensctl into dir, for a test that runs them as
// processes. Under go test -race they are built with -race too: a data race in a node
// that runs as a process of its own is as much a fault of the daemon as one in run
// called in the test binary, and the tests that run nodes as processes (SIGHUP,
// SIGTERM, certificate rotation, restarts) are those that exercise its signals.
//
// A program's race report must fail the test, and on its own would not: it goes to
// the program's stderr, which most tests send to a log that they read only when they
// fail, and the exit status it sets (66) is lost on a node that the test stops
// outright, which never exits. So the reports go to files in dir instead (GORACE's
// log_path, set for every process the test starts, ensctl's too), and the test fails
// with their text when it ends, once its processes have exited or been stopped.
func buildPrograms(t *testing.T, dir string) {
	t.Helper()
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	if raceDetector() {
		args = append(args, "-race")
		reports := filepath.Join(dir, "race-report")
		opts := os.Getenv("GORACE")
		if !strings.Contains(opts, "atexit_sleep_ms") {
			// The race runtime sleeps a second before a program that exits 0 ends:
			// a stop that a test times took a second more (one while a pprof
			// profile runs, to be well under a second, took 1.1s), and
			// TestProgramExitStatus, whose 40 runs exit 0, 56s rather than 9s.
			opts += " atexit_sleep_ms=0"
		}
		t.Setenv("GORACE", strings.TrimSpace(opts+" log_path="+reports))
		t.Cleanup(func() { failOnRaceReports(t, reports) })
	}
	build := exec.Command("go", append(args, "./cmd/ensnode", "./cmd/ensctl")...)
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// failOnRaceReports fails t with each race report a program wrote: the race
// detector writes one to prefix.PID, the reporting process's id, and writes nothing
// (no file) when it found no race.
func failOnRaceReports(t *testing.T, prefix string) {
	found, _ := filepath.Glob(prefix + ".*")
	for _, f := range found {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("race report %s: %v", f, err)
			continue
		}
		t.Errorf("a program the test ran reported a data race (process %s):\n%s", strings.TrimPrefix(filepath.Ext(f), "."), b)
	}
}

// raceDetector reports whether this test binary was built with -race.
func raceDetector() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
