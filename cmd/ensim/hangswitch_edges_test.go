package main

import (
	"strings"
	"testing"
)

// TestHangSwitch: ENSIM_TEST_HANG, the one switch that makes a test worker hang,
// reads its seed and options, and refuses a value it cannot read (the worker then
// exits 2, naming it) instead of hanging no seed, which would leave a test waiting
// for a hang that never comes, or passing without one.
func TestHangSwitch(t *testing.T) {
	for v, want := range map[string]hangWorker{
		"":                         {},
		"3":                        {seed: 3},
		"2,again=/tmp/x/seed-2":    {seed: 2, again: "/tmp/x/seed-2"},
		"1,note,deaf":              {seed: 1, deaf: true, note: true},
		"1,deaf,note,again=/d/ran": {seed: 1, again: "/d/ran", deaf: true, note: true},
	} {
		got, err := parseHang(v)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", v, got, err, want)
		}
	}
	for _, v := range []string{"x", "0", "3,", "3,deef", "3,again=", "3,deaf=1", "2:/tmp/file", ",deaf"} {
		if got, err := parseHang(v); err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("%q: %+v, %v; want it refused", v, got, err)
		}
	}
	code, _, stderr := sweep(t, []string{"ENSIM_TEST_HANG=3,deef"}, "--scenario", "steady", "--seeds", "1", "--out", t.TempDir())
	if code == exitOK || !strings.Contains(stderr, `ENSIM_TEST_HANG: "3,deef": unknown option "deef"`) {
		t.Errorf("a worker with ENSIM_TEST_HANG=3,deef: exit %d, stderr:\n%s", code, stderr)
	}
}
