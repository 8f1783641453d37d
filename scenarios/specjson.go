package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Parse reads a spec from JSON, refusing unknown keys, and validates it. A value of
// the wrong type is named by its path in the spec, as in "faults[0].rule: want an
// object, got a string".
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
	w := specWalker{dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if msg, bad := w.value("", reflect.TypeFor[Spec]()); bad {
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

// specWalker reads a spec's JSON token by token alongside its Go type, to find the
// first value that does not fit and name it by its path.
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
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return "", false
			}
			key, _ := kt.(string)
			f, ok := jsonField(t, key)
			if !ok {
				return fmt.Sprintf("%s: unknown field %q", name, key), true
			}
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
// its JSON name, exactly or else ignoring case.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded reflect.StructField
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			folded, found = f, true
		}
	}
	return folded, found
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
