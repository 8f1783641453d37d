package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
