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
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/internal/bugs"
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
	// What a property test's repro and a killed sweep worker's add.
	want.InjectedBugs = []string{bugs.DropHopCount.String()}
	want.Crash = "killed by signal 9"
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
	// A byte-order mark, which some editors save before the object, changes nothing.
	got, err = ParseRepro(bytes.NewReader(append([]byte("\ufeff"), data...)))
	if err != nil {
		t.Fatalf("after a byte-order mark: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back after a byte-order mark (-want +got):\n%s", diff)
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
	// with is the repro with key's value replaced by value, or without key for "":
	// the spec spans many lines, not to be edited as one.
	with := func(key, value string) string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m[key]; !ok {
			t.Fatalf("the repro lacks %q", key)
		}
		if value == "" {
			delete(m, key)
		} else {
			m[key] = json.RawMessage(value)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name, in string
		err      error
		want     string
	}{
		{"a spec", string(named(t, "steady").JSON()), ErrNotRepro, `scenarios: not a repro file: no "ensroute_repro" key`},
		{"a key twice", edit(`"seed": 1`, `"seed": 1, "seed": 2`), ErrBadRepro, `scenarios: bad repro file: key "seed" appears twice`},
		{"a key deep in the spec", edit(`"rate": 2000`, `"rate": 2000, "rat": 1`), ErrBadRepro,
			`scenarios: bad repro file: spec.workload: unknown field "rat" (the fields here: rate, duration, timeout, client_share, peer_share, cast_share, bursts, retry)`},
		{"a bad value in the spec", edit(`"routers": 7`, `"routers": "7"`), ErrBadRepro, `scenarios: bad repro file: spec.routers: want an integer, got a string`},
		{"a spec that fails Validate", edit(`"routers": 7`, `"routers": 0`), ErrBadSpec, `spec: scenarios: bad spec: routers: missing or 0 (the key is required), want 1..1024`},
		{"an election with no at", edit(`"routers": 7`, `"routers": 7, "elections": [{"ensemble": "e1", "duration": "1ms", "leader": "p2"}]`), ErrBadSpec,
			`spec: scenarios: bad spec: elections[0]: "at" is missing or null: say when it happens ("0s" for the start of the run)`},
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
		// The format is a version this module reads, and only that one: format 0 was
		// never written, and null is no version.
		{"a null format", edit(`"ensroute_repro": 1`, `"ensroute_repro": null`), ErrBadRepro,
			"scenarios: bad repro file: ensroute_repro: null, want the format, 1"},
		{"format 0", edit(`"ensroute_repro": 1`, `"ensroute_repro": 0`), ErrBadRepro,
			"scenarios: bad repro file: ensroute_repro: format 0, this module reads format 1"},
		{"a later format", edit(`"ensroute_repro": 1`, `"ensroute_repro": 2`), ErrBadRepro,
			"scenarios: bad repro file: ensroute_repro: format 2, this module reads format 1"},
		// A later format may add keys: the format is what this module cannot read.
		{"a later format with a key of its own", edit(`"ensroute_repro": 1`, `"ensroute_repro": 2, "replay_hint": "x"`), ErrBadRepro,
			"scenarios: bad repro file: ensroute_repro: format 2, this module reads format 1"},
		{"a format in a string", edit(`"ensroute_repro": 1`, `"ensroute_repro": "1"`), ErrBadRepro,
			"scenarios: bad repro file: ensroute_repro: want an integer, got a string"},
		{"no seed", edit(`"seed": 1,`, ``), ErrBadRepro, "scenarios: bad repro file: seed: missing"},
		{"no spec", with("spec", ""), ErrBadRepro, "scenarios: bad repro file: spec: missing"},
		{"a null spec", with("spec", "null"), ErrBadRepro, "scenarios: bad repro file: spec: missing"},
		{"other semantics", edit(`"semantics": "default"`, `"semantics": "erlang"`), ErrBadRepro,
			`scenarios: bad repro file: semantics: "erlang", want default or riak`},
		// A trace hash is compared with the run's as it is, in lower case: an upper-case
		// one would differ from the very hash it spells.
		{"an upper-case hash", edit(`"trace_hash": ""`, `"trace_hash": "51B496B3B13DF691137297E9A162A96C"`), ErrBadRepro,
			`scenarios: bad repro file: trace_hash: "51B496B3B13DF691137297E9A162A96C", want lower-case hex digits (32 of them since the v4 trace hash), or none`},
		{"a hash of an odd length", edit(`"trace_hash": ""`, `"trace_hash": "abc"`), ErrBadRepro,
			`scenarios: bad repro file: trace_hash: "abc", want lower-case hex digits (32 of them since the v4 trace hash), or none`},
		{"a total below the list", edit(`"violations": [],
  "violations_total": 0`, `"violations": [{"invariant": "liveness", "call": "n1.1.1"}], "violations_total": 0`), ErrBadRepro,
			"scenarios: bad repro file: violations_total: 0, fewer than the 1 violations listed"},
		{"a bug this module lacks", edit(`"trace_hash": ""`, `"trace_hash": "", "injected_bugs": ["drop-hop-count", "no-such-bug"]`), ErrBadRepro,
			`scenarios: bad repro file: injected_bugs[1]: "no-such-bug" is no bug this module knows (` + bugs.NameList() + ")"},
		// The first JSON value decides what the input is: a JSON-lines trace is no
		// repro, and a byte-order mark before a spec hides nothing.
		{"a JSON-lines trace", "{\"t\": 1, \"kind\": \"send\"}\n{\"t\": 2, \"kind\": \"recv\"}\n", ErrNotRepro, `scenarios: not a repro file: no "ensroute_repro" key`},
		{"a spec after a byte-order mark", "\ufeff" + string(named(t, "steady").JSON()), ErrNotRepro, `scenarios: not a repro file: no "ensroute_repro" key`},
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
// refuses gets one of its three errors; a repro it accepts round-trips: ParseRepro
// reads what Encode writes of it back as the same repro.
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
	for _, name := range Names() {
		s, _ := Named(name)
		b, err := json.Marshal(NewRepro(s, 7, router.Riak, Report{}))
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= maxFuzzSeed {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseRepro(strings.NewReader(in))
		if err != nil && !errors.Is(err, ErrBadRepro) && !errors.Is(err, ErrNotRepro) && !errors.Is(err, ErrBadSpec) {
			t.Fatalf("error %v wraps none of ErrBadRepro, ErrNotRepro and ErrBadSpec", err)
		}
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := r.Encode(&b); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		back, err := ParseRepro(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("ParseRepro refuses what Encode wrote of a repro it accepted: %v\n%s", err, b.Bytes())
		}
		if diff := cmp.Diff(r, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("the repro read back differs (-read +read back):\n%s", diff)
		}
	})
}
