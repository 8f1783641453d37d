package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSpecDurationBelowANanosecond: a spec's duration that is not a whole number of
// nanoseconds is bad input, exit 2 with the key's path and the value, where it used
// to run with the value cut to the nanosecond below ("1.5ns" as 1ns); so is such a
// --from.
func TestSpecDurationBelowANanosecond(t *testing.T) {
	code, spec, _ := ensim(t, "show", "steady")
	if code != exitOK {
		t.Fatal("ensim show steady failed")
	}
	for _, tc := range []struct{ old, new, want string }{
		{`"timeout": "50ms"`, `"timeout": "50000000.5ns"`, `workload.timeout: duration "50000000.5ns": not a whole number of nanoseconds`},
		{`"min": "5µs"`, `"min": "1.5ns"`, `router_service.min: duration "1.5ns": not a whole number of nanoseconds`},
		{`"detect_after": "200ms"`, `"detect_after": "0.2000000001s"`, `detect_after: duration "0.2000000001s": not a whole number of nanoseconds`},
	} {
		if !strings.Contains(spec, tc.old) {
			t.Fatalf("steady's spec has no %s", tc.old)
		}
		file := filepath.Join(t.TempDir(), "spec.json")
		if err := os.WriteFile(file, []byte(strings.Replace(spec, tc.old, tc.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"run", "trace"} {
			code, _, stderr := ensim(t, cmd, "--spec", file)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s with %s: exit %d, stderr %q; want exit 2 and %q", cmd, tc.new, code, stderr, tc.want)
			}
		}
	}
	code, _, stderr := ensim(t, "trace", "--scenario", "steady", "--from", "1.5ns")
	if code != exitUsage || !strings.Contains(stderr, `--from: want a virtual time: duration "1.5ns": not a whole number of nanoseconds`) {
		t.Errorf("--from 1.5ns: exit %d, stderr %q; want it refused", code, stderr)
	}
}

// TestSeedTimeoutBelowANanosecond: a --seed-timeout that is not a whole number of
// nanoseconds is bad usage, exit 2, naming the flag and why, where it was cut to the
// nanosecond below: --seed-timeout 0.4ns was 0, no limit at all, the opposite of
// what was asked. A whole one is read as written, however many digits its fraction
// has (time.ParseDuration read 401.47400000000000us as 401.473µs).
func TestSeedTimeoutBelowANanosecond(t *testing.T) {
	for v, want := range map[string]string{
		"0.4ns":           `invalid value "0.4ns" for flag --seed-timeout: "0.4ns": not a whole number of nanoseconds, the finest a duration holds (0s would be read), and 0 is no limit`,
		"1.5ns":           `invalid value "1.5ns" for flag --seed-timeout: "1.5ns": not a whole number of nanoseconds, the finest a duration holds (1ns would be read)` + "\n",
		"1m0.0000000001s": `invalid value "1m0.0000000001s" for flag --seed-timeout: "1m0.0000000001s": not a whole number of nanoseconds, the finest a duration holds (1m0s would be read)` + "\n",
	} {
		code, _, stderr := ensim(t, "sweep", "--scenario", "steady", "--seeds", "1", "--out", t.TempDir(), "--seed-timeout", v)
		if code != exitUsage || !strings.Contains(stderr, want) {
			t.Errorf("--seed-timeout %s: exit %d, stderr %q; want exit 2 and %q", v, code, stderr, want)
		}
	}
	var d time.Duration
	if err := (timeoutFlag{&d}).Set("401.47400000000000us"); err != nil || d != 401474*time.Nanosecond {
		t.Errorf("--seed-timeout 401.47400000000000us: read as %d, error %v; want 401474", int64(d), err)
	}
}
