package scenarios

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
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
		}), `faults[0]: unknown field "zz"`},
		{"unknown top-level key", steady(func(m map[string]any) { m["routerz"] = 3 }), `spec: unknown field "routerz"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.json))
			if !errors.Is(err, ErrBadSpec) {
				t.Fatalf("Parse: %v, want ErrBadSpec", err)
			}
			if want := "scenarios: bad spec: " + tc.want; err.Error() != want {
				t.Fatalf("error\n  %s\nwant\n  %s", err, want)
			}
		})
	}
}

// TestSpecKeysIgnoreCase: a key matches its field whatever its case, as in
// encoding/json, so naming the bad value does not refuse what decoding accepts.
func TestSpecKeysIgnoreCase(t *testing.T) {
	js := strings.Replace(string(named(t, "steady").JSON()), `"routers": 7`, `"Routers": 7`, 1)
	if _, err := Parse(strings.NewReader(js)); err != nil {
		t.Fatalf("Routers: %v", err)
	}
	js = strings.Replace(js, `"hop_limit": 4`, `"HOP_LIMIT": "4"`, 1)
	_, err := Parse(strings.NewReader(js))
	if err == nil || !strings.Contains(err.Error(), "HOP_LIMIT: want an integer, got a string") {
		t.Fatalf("error %v, want one naming HOP_LIMIT", err)
	}
}

// FuzzParse: whatever the input, Parse does not panic, and an input it refuses is a
// bad spec. Run longer with
//
//	go test ./scenarios -run '^$' -fuzz FuzzParse -fuzztime 1m
func FuzzParse(f *testing.F) {
	f.Add(string(Swarm(1).JSON()))
	f.Add(`[1, {"a": [2]}]`)
	f.Add(`{"nodes": ["n1"], "faults": [{"at": 5, "rule": "x"}], "clocks": {}}`)
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := Parse(strings.NewReader(in)); err != nil && !errors.Is(err, ErrBadSpec) {
			t.Fatalf("error %v does not wrap ErrBadSpec", err)
		}
	})
}
