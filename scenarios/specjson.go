package scenarios

import (
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
	var s Spec
	if err := strictjson.Decode(data, &s, jsonOptions("spec", "spec")); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrBadSpec, err)
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// jsonOptions are a spec's, or a repro file's (root "", what "repro"), for
// strictjson.
func jsonOptions(root, what string) strictjson.Options {
	return strictjson.Options{Root: root, What: what,
		Want: map[reflect.Type]string{reflect.TypeFor[Duration](): `a quoted duration with a unit, like "250us"`}}
}
