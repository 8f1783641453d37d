package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestParseReproRoundTrip: what Write writes, ParseRepro reads back as it was.
func TestParseReproRoundTrip(t *testing.T) {
	res, err := Run(named(t, "crash-restart"), Options{Seed: 3, Semantics: router.Riak})
	if err != nil {
		t.Fatal(err)
	}
	res.Report.Violations = []Violation{{Invariant: InvLiveness, Call: "n1.1.1", Detail: "x"}}
	res.Report.ViolationsTotal = 5
	res.Report.ViolationCounts = map[string]uint64{InvLiveness: 5}
	want := NewRepro(named(t, "crash-restart"), 3, router.Riak, res.Report)
	path := filepath.Join(t.TempDir(), "r.json")
	if err := want.Write(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseRepro(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}

// TestParseReproErrors: a repro file is held to what a spec is, anywhere in it, and
// each error says which kind it is.
func TestParseReproErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := NewRepro(named(t, "steady"), 1, router.Default, Report{}).Write(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good := string(data)
	edit := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("the repro lacks %s", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	cases := []struct {
		name, in string
		err      error
		want     string
	}{
		{"a spec", string(named(t, "steady").JSON()), ErrNotRepro, `scenarios: not a repro file: no "ensroute_repro" key`},
		{"a key twice", edit(`"seed": 1`, `"seed": 1, "seed": 2`), ErrBadRepro, `scenarios: bad repro file: key "seed" appears twice`},
		{"a key deep in the spec", edit(`"rate": 2000`, `"rate": 2000, "rat": 1`), ErrBadRepro,
			`scenarios: bad repro file: spec.workload: unknown field "rat" (the fields here: rate, duration, timeout, client_share, peer_share, cast_share, bursts)`},
		{"a bad value in the spec", edit(`"routers": 7`, `"routers": "7"`), ErrBadRepro, `scenarios: bad repro file: spec.routers: want an integer, got a string`},
		{"a spec that fails Validate", edit(`"routers": 7`, `"routers": 0`), ErrBadSpec, `spec: scenarios: bad spec: routers: missing or 0 (the key is required), want 1..1024`},
		{"a violation's unknown key", edit(`"violations": []`, `"violations": [{"invariant": "liveness", "cal": "n1.1.1"}]`), ErrBadRepro,
			`scenarios: bad repro file: violations[0]: unknown field "cal" (the fields here: invariant, call, detail)`},
		{"a count of another type", edit(`"violations": []`, `"violations": [], "violation_counts": {"liveness": "3"}`), ErrBadRepro,
			`scenarios: bad repro file: violation_counts.liveness: want an integer of 0 or more, got a string`},
		{"a violation of no invariant", edit(`"violations": [],`, `"violations": [{"invariant": "nope", "call": "n1.1.1"}],`), ErrBadRepro,
			`scenarios: bad repro file: violations[0].invariant: "nope" is not an invariant: want one of ` + strings.Join(Invariants, ", ")},
		{"a count of no invariant", edit(`"violations_total": 0`, `"violations_total": 3, "violation_counts": {"zz": 1, "nope": 2}`), ErrBadRepro,
			`scenarios: bad repro file: violation_counts: "nope" is not an invariant: want one of ` + strings.Join(Invariants, ", ")},
		{"counts short of the list", edit(`"violations": [],
  "violations_total": 0`, `"violations": [{"invariant": "liveness", "call": "n1.1.1"}, {"invariant": "liveness", "call": "n1.1.2"}], "violations_total": 2, "violation_counts": {"liveness": 1, "deadline": 1}`), ErrBadRepro,
			`scenarios: bad repro file: violation_counts.liveness: 1, fewer than the 2 violations of it listed`},
		{"counts that miss the total", edit(`"violations": [],
  "violations_total": 0`, `"violations": [{"invariant": "liveness", "call": "n1.1.1"}], "violations_total": 5, "violation_counts": {"liveness": 3}`), ErrBadRepro,
			`scenarios: bad repro file: violation_counts: they add up to 3, not the total of 5`},
		{"counts that overflow", edit(`"violations_total": 0`, `"violations_total": 5, "violation_counts": {"liveness": 18446744073709551615, "deadline": 2}`), ErrBadRepro,
			`scenarios: bad repro file: violation_counts: they add up to more than 18446744073709551615`},
		{"trailing data", good + `{}`, ErrBadRepro, "scenarios: bad repro file: trailing data after the repro object"},
		{"empty", "", ErrBadRepro, "scenarios: bad repro file: no repro: the input is empty, want a JSON object"},
		{"cut short", good[:40], ErrBadRepro, "scenarios: bad repro file: malformed JSON: it ends in the middle of the repro"},
		{"no semantics", edit(`"semantics": "default",`, ``), ErrBadRepro, "scenarios: bad repro file: semantics: missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRepro(strings.NewReader(tc.in))
			if !errors.Is(err, tc.err) || err.Error() != tc.want {
				t.Fatalf("error\n  %v\nwant %v:\n  %s", err, tc.err, tc.want)
			}
		})
	}
}

// FuzzParseRepro: whatever the input, ParseRepro does not panic, and an input it
// refuses gets one of its three errors.
func FuzzParseRepro(f *testing.F) {
	st, _ := Named("steady")
	good := NewRepro(st, 1, router.Default, Report{})
	b, err := json.Marshal(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add(strings.Replace(string(b), `"seed":1`, `"seed":1,"seed":2`, 1))
	f.Add(`{"ensroute_repro": 1, "violation_counts": {"a": 1, "a": 2}}`)
	f.Add(`{"ensroute_repro": null} []`)
	f.Fuzz(func(t *testing.T, in string) {
		_, err := ParseRepro(strings.NewReader(in))
		if err != nil && !errors.Is(err, ErrBadRepro) && !errors.Is(err, ErrNotRepro) && !errors.Is(err, ErrBadSpec) {
			t.Fatalf("error %v wraps none of ErrBadRepro, ErrNotRepro and ErrBadSpec", err)
		}
	})
}
