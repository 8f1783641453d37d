package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrBadSpec, jsonErr(data, err))
	}
	if dec.More() {
		return Spec{}, fmt.Errorf("%w: trailing data after the spec object", ErrBadSpec)
	}
	// encoding/json has no mode that refuses a key twice, or in another case: the
	// walker does, and names its path.
	if msg, bad := walkSpec(data); bad {
		return Spec{}, fmt.Errorf("%w: %s", ErrBadSpec, msg)
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// jsonErr explains err, the error of decoding data into a Spec, in the spec's terms.
func jsonErr(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	}
	if err == io.EOF {
		return "no spec: the input is empty, want a JSON object"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed JSON: it ends in the middle of the spec"
	}
	// Which value went wrong, with its path: encoding/json's own error names the
	// field without the list indexes, and the Go type, not what the spec wants.
	if msg, bad := walkSpec(data); bad {
		return msg
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "spec"
		}
		return fmt.Sprintf("%s: want %s, got %s", field, wantName(te.Type, field == "spec"), gotName(te.Value))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// walkSpec walks data, a spec's JSON, with a specWalker: it reports the first value
// or key that does not fit, named by its path.
func walkSpec(data []byte) (string, bool) {
	w := specWalker{dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	return w.value("", reflect.TypeFor[Spec]())
}

// specWalker reads a spec's JSON token by token alongside its Go type, to find the
// first value that does not fit, or key that is unknown, in another case than the
// field's or given twice, and name it by its path.
type specWalker struct {
	dec *json.Decoder
}

var durationType = reflect.TypeFor[Duration]()

// value reads the next value, at path, which is to fill a t. It reports the first
// value that does not fit, or false if the rest of the value fits (or the JSON ends
// early: the decoder's own error says so then).
func (w *specWalker) value(path string, t reflect.Type) (string, bool) {
	tok, err := w.dec.Token()
	if err != nil {
		return "", false
	}
	name := path
	if name == "" {
		name = "spec"
	}
	if tok == nil { // null leaves any field as it is
		return "", false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	mismatch := func() (string, bool) {
		return fmt.Sprintf("%s: want %s, got %s", name, wantName(t, path == ""), tokenName(tok)), true
	}
	if t == durationType {
		s, ok := tok.(string)
		if !ok {
			return fmt.Sprintf("%s: got %s, want a quoted duration with a unit, like \"250us\"", name, tokenName(tok)), true
		}
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err != nil {
			return fmt.Sprintf("%s: %v", name, err), true
		}
		return "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return mismatch()
		}
		var seen []string // the keys of this object so far: a few dozen at most
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return "", false
			}
			key, _ := kt.(string)
			f, exact, ok := jsonField(t, key)
			switch {
			case !ok:
				return fmt.Sprintf("%s: unknown field %q", name, key), true
			case !exact:
				return fmt.Sprintf("%s: unknown field %q: keys are case-sensitive, want %q", name, key, jsonName(f)), true
			case slices.Contains(seen, key):
				return fmt.Sprintf("%s: key %q appears twice", name, key), true
			}
			seen = append(seen, key)
			if msg, bad := w.value(join(path, key), f.Type); bad {
				return msg, true
			}
		}
		_, _ = w.dec.Token() // '}'
	case reflect.Slice:
		if tok != json.Delim('[') {
			return mismatch()
		}
		for i := 0; w.dec.More(); i++ {
			if msg, bad := w.value(path+"["+strconv.Itoa(i)+"]", t.Elem()); bad {
				return msg, true
			}
		}
		_, _ = w.dec.Token() // ']'
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return mismatch()
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return mismatch()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if _, err := strconv.ParseInt(n.String(), 10, t.Bits()); err != nil {
			return mismatch()
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if _, err := strconv.ParseFloat(n.String(), t.Bits()); err != nil {
			return fmt.Sprintf("%s: %s is out of range", name, n), true
		}
	}
	return "", false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonField finds the field of struct t that key fills, as encoding/json does: by
// its JSON name, exactly or else ignoring case; exact says which.
func jsonField(t reflect.Type, key string) (f reflect.StructField, exact, ok bool) {
	var folded reflect.StructField
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := jsonName(f)
		if name == "-" {
			continue
		}
		if name == key {
			return f, true, true
		}
		if !found && strings.EqualFold(name, key) {
			folded, found = f, true
		}
	}
	return folded, false, found
}

// jsonName is the key of field f in JSON: its tag's name, or else its Go name.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		name = f.Name
	}
	return name
}

// wantName says what a value of type t is written as in a spec.
func wantName(t reflect.Type, top bool) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return `a quoted duration with a unit, like "250us"`
	case t.Kind() == reflect.Struct && top:
		return "a JSON object"
	case t.Kind() == reflect.Struct:
		return "an object"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	}
	return t.Kind().String()
}

// tokenName says what a JSON token is: "an object", "a string", "the number 5".
func tokenName(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return "the number " + v.String()
	}
	return "null"
}

// gotName says what encoding/json's UnmarshalTypeError.Value is, like tokenName.
func gotName(value string) string {
	switch value {
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	if n, ok := strings.CutPrefix(value, "number "); ok {
		return "the number " + n
	}
	return value
}
