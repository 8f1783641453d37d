package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestSpecTypeErrors: a value of the wrong JSON type is named by its path in the spec,
// list indexes included, and described in the spec's terms, never Go's.
func TestSpecTypeErrors(t *testing.T) {
	steady := func(edit func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(named(t, "steady").JSON(), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	member := func(m map[string]any, e, i int) map[string]any {
		return m["ensembles"].([]any)[e].(map[string]any)["members"].([]any)[i].(map[string]any)
	}
	cases := []struct {
		name, json, want string
	}{
		{"top-level array", `[1, 2]`, "spec: want a JSON object, got an array"},
		{"top-level string", `"steady"`, "spec: want a JSON object, got a string"},
		{"empty", ``, "no spec: the input is empty, want a JSON object"},
		{"cut short", `{"nodes": ["n1"`, "malformed JSON: it ends in the middle of the spec"},
		{"rule as a string", steady(func(m map[string]any) {
			m["faults"] = []any{map[string]any{"at": "1s", "action": "rule", "rule": "drop"}}
		}), "faults[0].rule: want an object, got a string"},
		{"clocks as an object", steady(func(m map[string]any) { m["clocks"] = map[string]any{} }),
			"clocks: want a list, got an object"},
		{"member node a number", steady(func(m map[string]any) { member(m, 1, 2)["node"] = 5 }),
			"ensembles[1].members[2].node: want a string, got the number 5"},
		{"member name a list", steady(func(m map[string]any) { member(m, 2, 1)["name"] = []any{} }),
			"ensembles[2].members[1].name: want a string, got an array"},
		{"fractional routers", steady(func(m map[string]any) { m["routers"] = 1.5 }),
			"routers: want an integer, got the number 1.5"},
		// An integer too large for its field is one: it is out of range.
		{"hop limit past int64", strings.Replace(steady(func(map[string]any) {}), `"hop_limit":4`, `"hop_limit":99999999999999999999`, 1),
			"hop_limit: 99999999999999999999 is out of range"},
		{"flag as a string", steady(func(m map[string]any) { m["peer"].(map[string]any)["honor_budget"] = "yes" }),
			"peer.honor_budget: want true or false, got a string"},
		{"burst rate as a string", steady(func(m map[string]any) {
			m["workload"].(map[string]any)["bursts"] = []any{map[string]any{"at": "1s", "duration": "1s", "rate": "x"}}
		}), "workload.bursts[0].rate: want a number, got a string"},
		{"node names as numbers", steady(func(m map[string]any) { m["nodes"] = []any{"n1", 2} }),
			"nodes[1]: want a string, got the number 2"},
		{"liveness a number", steady(func(m map[string]any) { m["liveness"] = 3 }),
			"liveness: want an object, got the number 3"},
		{"second fault's bare number", steady(func(m map[string]any) {
			m["faults"] = []any{map[string]any{"at": "1s", "action": "heal"}, map[string]any{"at": 5, "action": "heal"}}
		}), `faults[1].at: got the number 5, want a quoted duration with a unit, like "250us"`},
		{"duration an object", steady(func(m map[string]any) { m["detect_after"] = map[string]any{} }),
			`detect_after: got an object, want a quoted duration with a unit, like "250us"`},
		{"duration without a unit", steady(func(m map[string]any) {
			m["link"].(map[string]any)["latency"].(map[string]any)["min"] = "100"
		}), `link.latency.min: duration "100": want a number with a unit, like 250us or 1.5s`},
		{"unknown nested key", steady(func(m map[string]any) {
			m["faults"] = []any{map[string]any{"at": "1s", "action": "heal", "zz": 1}}
		}), `faults[0]: unknown field "zz" (the fields here: at, action, a, b, in_flight, node, directory, peer, service, until, step, clock, rule)`},
		{"unknown top-level key", steady(func(m map[string]any) { m["routerz"] = 3 }), `spec: unknown field "routerz" (the fields here: name, description, nodes, clients, routers, router_service, hop_limit, link, links, detect_after, pause_detect_after, reply_hold, backoff_min, backoff_max, mailbox_cap, clocks, ensembles, peer, workload, gossip, elections, faults, liveness, riak_breaks, send_budget)`},
		// encoding/json keeps the last of two keys, and takes a key in any case for
		// its field: the spec says one thing to its reader and another to the run.
		{"a key twice", strings.Replace(steady(func(map[string]any) {}), `"routers":7`, `"routers":7,"routers":3`, 1),
			`spec: key "routers" appears twice`},
		{"a nested key twice", strings.Replace(steady(func(m map[string]any) {
			m["faults"] = []any{map[string]any{"at": "1s", "action": "heal"}, map[string]any{"at": "2s", "action": "heal"}}
		}), `"at":"2s"`, `"at":"2s","at":"3s"`, 1), `faults[1]: key "at" appears twice`},
		{"a key twice in two cases", strings.Replace(steady(func(map[string]any) {}), `"routers":7`, `"routers":7,"ROUTERS":3`, 1),
			`spec: unknown field "ROUTERS": keys are case-sensitive, want "routers"`},
		{"a key in another case", strings.Replace(steady(func(map[string]any) {}), `"routers":7`, `"Routers":7`, 1),
			`spec: unknown field "Routers": keys are case-sensitive, want "routers"`},
		{"a nested key in another case", steady(func(m map[string]any) {
			m["workload"].(map[string]any)["bursts"] = []any{map[string]any{"at": "1s", "duration": "1s", "Rate": 5}}
		}), `workload.bursts[0]: unknown field "Rate": keys are case-sensitive, want "rate"`},
		// encoding/json takes a missing "at" for 0s: a crash meant for later would
		// happen at the start of the run.
		{"a fault without at", steady(func(m map[string]any) {
			m["faults"] = []any{map[string]any{"at": "1s", "action": "crash", "node": "n2"}, map[string]any{"action": "restart", "node": "n2", "directory": "current"}}
		}), `faults[1]: "at" is missing or null: say when it happens ("0s" for the start of the run)`},
		{"a fault with a null at", steady(func(m map[string]any) {
			m["faults"] = []any{map[string]any{"at": nil, "action": "crash", "node": "n2"}}
		}), `faults[0]: "at" is missing or null: say when it happens ("0s" for the start of the run)`},
		{"an election without at", steady(func(m map[string]any) {
			m["elections"] = []any{map[string]any{"ensemble": "e1", "duration": "10ms"}}
		}), `elections[0]: "at" is missing or null: say when it happens ("0s" for the start of the run)`},
		{"a burst without at", steady(func(m map[string]any) {
			m["workload"].(map[string]any)["bursts"] = []any{map[string]any{"duration": "1s", "rate": 5}}
		}), `workload.bursts[0]: "at" is missing or null: say when it happens ("0s" for the start of the run)`},
		{"a key in another case, and a bad value after it", strings.Replace(strings.Replace(steady(func(map[string]any) {}),
			`"routers":7`, `"Routers":7`, 1), `"rate":2000`, `"rate":"2000"`, 1),
			`spec: unknown field "Routers": keys are case-sensitive, want "routers"`},
		{"a bad value, and a key in another case after it", strings.Replace(strings.Replace(steady(func(map[string]any) {}),
			`"routers":7`, `"Routers":7`, 1), `"hop_limit":4`, `"hop_limit":"4"`, 1),
			`hop_limit: want an integer, got a string`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The same after a UTF-8 byte-order mark, which some editors save: the
			// checks that read the bytes themselves (a missing "at") see through it too.
			for _, in := range []string{tc.json, "\xef\xbb\xbf" + tc.json} {
				_, err := Parse(strings.NewReader(in))
				if !errors.Is(err, ErrBadSpec) {
					t.Fatalf("Parse: %v, want ErrBadSpec", err)
				}
				if want := "scenarios: bad spec: " + tc.want; err.Error() != want {
					t.Fatalf("error\n  %s\nwant\n  %s", err, want)
				}
			}
		})
	}
}

// maxFuzzSeed bounds the catalog's specs taken as seeds of the fuzz targets: with
// scale's (3 MB of JSON) among them, FuzzParse tried a few inputs a second.
const maxFuzzSeed = 64 << 10

// FuzzParse: whatever the input, Parse does not panic, and an input it refuses is a
// bad spec; a spec it accepts round-trips: Parse reads what JSON writes of it back as
// the same spec, which JSON writes the same (a repro file and ensim show save specs
// so, and must replay the run they saved). Run longer with
//
//	go test ./scenarios -run '^$' -fuzz FuzzParse -fuzztime 1m
func FuzzParse(f *testing.F) {
	f.Add(string(Swarm(1).JSON()))
	f.Add(`[1, {"a": [2]}]`)
	f.Add(`{"nodes": ["n1"], "faults": [{"at": 5, "rule": "x"}], "clocks": {}}`)
	st, _ := Named("steady")
	steady := string(st.JSON())
	f.Add(strings.Replace(steady, `"routers": 7`, `"routers": 7, "routers": 3`, 1))
	f.Add(strings.Replace(steady, `"routers": 7`, `"Routers": 7`, 1))
	for _, name := range Names() { // every field the catalog's specs set, to round-trip
		s, _ := Named(name)
		if b := s.JSON(); len(b) <= maxFuzzSeed {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(strings.NewReader(in))
		if err != nil && !errors.Is(err, ErrBadSpec) {
			t.Fatalf("error %v does not wrap ErrBadSpec", err)
		}
		if err != nil {
			return
		}
		if key, ok := repeatedKey(in); ok {
			t.Fatalf("accepted a spec with the key %q twice in one object", key)
		}
		_ = s.IdleFaults() // ensim run notes them for any spec it takes
		written := s.JSON()
		back, err := Parse(bytes.NewReader(written))
		if err != nil {
			t.Fatalf("Parse refuses the spec JSON wrote of what it accepted: %v\n%s", err, written)
		}
		if diff := cmp.Diff(s, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("the spec read back from its JSON differs (-read +read back):\n%s", diff)
		}
		if again := back.JSON(); !bytes.Equal(again, written) {
			t.Fatalf("JSON of the spec read back differs:\n%s\nwas\n%s", again, written)
		}
	})
}

// repeatedKey finds a key given twice in one object of the JSON in.
func repeatedKey(in string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(in))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.keys[s] {
				return s, true
			}
			top.keys[s], top.key = true, false
			continue
		}
		if top != nil && top.object {
			top.key = true // a value was read (or begins): a key comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
		}
	}
}

// TestUnruleWrittenAsRead: a spec is written as the reference says it is read: an
// unrule carries only rule.name, so that `ensim show` prints no match or action an
// edit could fill in (and Validate would then refuse); a rule matching every message
// may leave its match out, and reads back the same.
func TestUnruleWrittenAsRead(t *testing.T) {
	s := named(t, "dup-reorder")
	var unrules int
	for _, f := range s.Faults {
		if f.Action != "unrule" {
			continue
		}
		unrules++
		b, err := json.Marshal(f.Rule)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"name":"` + f.Rule.Name + `"}`; string(b) != want {
			t.Errorf("unrule at %v: rule written as %s, want %s", f.At, b, want)
		}
	}
	if unrules == 0 {
		t.Fatal("dup-reorder has no unrule to write")
	}
	every := RuleSpec{Name: "all", Action: "drop"}
	b, err := json.Marshal(every)
	if err != nil {
		t.Fatal(err)
	}
	var back RuleSpec
	if err := json.Unmarshal(b, &back); err != nil || back != every {
		t.Errorf("a rule matching everything: written %s, read back %+v (%v)", b, back, err)
	}
}
