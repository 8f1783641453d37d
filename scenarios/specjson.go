package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"

	"github.com/ensroute/ensroute/internal/strictjson"
)

// Parse reads a spec from JSON, refusing unknown keys, keys in another case than
// the spec's ("Routers": encoding/json would take it for "routers") and keys that
// appear twice in one object (encoding/json would keep the last), and validates it.
// A value of the wrong type is named by its path in the spec, as in
// "faults[0].rule: want an object, got a string".
func Parse(r io.Reader) (Spec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrBadSpec, err)
	}
	data = strictjson.TrimBOM(data) // checkAt reads it too
	var s Spec
	if err := strictjson.Decode(data, &s, jsonOptions("spec", "spec")); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrBadSpec, err)
	}
	if err := checkAt(data); err != nil {
		return Spec{}, err
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// checkAt refuses a spec decoded already (its JSON, data) that leaves out an "at"
// (missingAt).
func checkAt(data []byte) error {
	if f := missingAt(data); f != "" {
		return fmt.Errorf(`%w: %s: "at" is missing or null: say when it happens ("0s" for the start of the run)`, ErrBadSpec, f)
	}
	return nil
}

// missingAt names the first burst, election or fault of a spec decoded already that
// leaves out its "at", or gives it as null: each happens at a time the spec must say, where encoding/json
// would take a missing one for 0s, the start of the run.
func missingAt(data []byte) string {
	type timed = []map[string]json.RawMessage
	var shape struct {
		Workload struct {
			Bursts timed `json:"bursts"`
		} `json:"workload"`
		Elections timed `json:"elections"`
		Faults    timed `json:"faults"`
	}
	if json.Unmarshal(data, &shape) != nil {
		return "" // strictjson took it: a shape it cannot have
	}
	for _, list := range []struct {
		name  string
		items timed
	}{{"workload.bursts", shape.Workload.Bursts}, {"elections", shape.Elections}, {"faults", shape.Faults}} {
		for i, item := range list.items {
			// null too, which encoding/json leaves as it was: 0s.
			if at, ok := item["at"]; !ok || string(bytes.TrimSpace(at)) == "null" {
				return fmt.Sprintf("%s[%d]", list.name, i)
			}
		}
	}
	return ""
}

// jsonOptions are a spec's, or a repro file's (root "", what "repro"), for
// strictjson.
func jsonOptions(root, what string) strictjson.Options {
	return strictjson.Options{Root: root, What: what,
		Want: map[reflect.Type]string{reflect.TypeFor[Duration](): `a quoted duration with a unit, like "250us"`}}
}
