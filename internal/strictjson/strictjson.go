// Package strictjson decodes a file of JSON into a Go value strictly, and says what
// is wrong with one in the file's terms: the path of the value, what it wants and
// what it got. encoding/json alone takes a key in another case than its field's,
// keeps the last of a key given twice, and names Go types in its errors.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Options name what a file holds, for its messages.
type Options struct {
	// Root names the object itself in a message about it ("spec": "spec: want a JSON
	// object, got an array"); "" for no name.
	Root string
	// What says what the file holds, for the messages about the JSON as a whole
	// ("no spec: the input is empty").
	What string
	// Want says how a value of a type that reads itself from a string (an
	// encoding.TextUnmarshaler) is written, for messages: `a quoted duration with a
	// unit, like "250us"`. Without an entry, "a string".
	Want map[reflect.Type]string
}

// Decode decodes data, one JSON object and nothing after it, into v, a pointer: a
// key that has no field, a key in another case than its field's or given twice in
// one object, and a value of the wrong type are refused wherever they are, named by
// their path ("ensembles[0].members: want a list, got a string"), and so is a
// string that a TextUnmarshaler field refuses. The error's message says what is
// wrong, in the file's terms. A UTF-8 byte-order mark before the object, which some
// editors save, is skipped (TrimBOM). Bytes that are not UTF-8 are refused, named by
// line and column: encoding/json would read each as U+FFFD, so that a name of them
// would not be the one in the file. So is an escape of half a UTF-16 surrogate pair
// ("\ud800" with no low half after it), which is no character and would be read
// the same way.
func Decode(data []byte, v any, o Options) error {
	data = TrimBOM(data)
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		line, col := position(data, int64(off)+1)
		return fmt.Errorf("the %s is not UTF-8: byte 0x%02x at line %d, column %d", o.What, data[off], line, col)
	}
	if off, esc, ok := loneSurrogate(data); ok {
		line, col := position(data, int64(off)+1)
		return fmt.Errorf("the %s holds the escape %s at line %d, column %d: half of a UTF-16 surrogate pair, no character (it would be read as U+FFFD); write the character itself, or the whole pair", o.What, esc, line, col)
	}
	t := reflect.TypeOf(v).Elem()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(o.explain(data, err, t))
	}
	// More is false before a stray '}' or ']' too: only the end of the input will do.
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the %s object", o.What)
	}
	// encoding/json has no mode that refuses a key twice, or in another case: the
	// walker does, and names its path.
	if msg, bad := o.walk(data, t); bad {
		return errors.New(msg)
	}
	return nil
}

// loneSurrogate finds the first \u escape in a JSON string of data that is half of
// a UTF-16 surrogate pair without its other half: a high half (D800-DBFF) not
// followed at once by an escaped low half (DC00-DFFF), or a low half not preceded by
// a high one. It returns its offset and its text. data is UTF-8; what is not JSON is
// left to the decoder.
func loneSurrogate(data []byte) (off int, esc string, ok bool) {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			inString = !inString
		case !inString || c != '\\':
		case i+1 < len(data) && data[i+1] == 'u':
			r, valid := hex4(i)
			switch {
			case !valid:
				i++ // malformed: the decoder says so
				continue
			case r >= 0xdc00 && r <= 0xdfff:
				return i, string(data[i : i+6]), true
			case r >= 0xd800 && r <= 0xdbff:
				if lo, ok := hex4(i + 6); !ok || lo < 0xdc00 || lo > 0xdfff {
					return i, string(data[i : i+6]), true
				}
				i += 6 // the pair's low half too
			}
			i += 5
		default:
			i++ // the escaped character: \" or \\ does not end or start anything
		}
	}
	return 0, "", false
}

// TrimBOM returns data without the UTF-8 byte-order mark it may start with, which
// some editors save before a JSON file's object. A reader that looks at a file's
// bytes with encoding/json too, besides Decode, trims them first, or the mark makes
// encoding/json refuse what Decode took.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) }

// explain says what err, the error of decoding data into a t, means in the file's
// terms.
func (o Options) explain(data []byte, err error, t reflect.Type) string {
	root, what := o.Root, o.What
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, se.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, se)
	}
	if err == io.EOF {
		return fmt.Sprintf("no %s: the input is empty, want a JSON object", what)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("malformed JSON: it ends in the middle of the %s", what)
	}
	// Which value went wrong, with its path: encoding/json's own error names the
	// field without the list indexes, and the Go type, not what the file wants.
	if msg, bad := o.walk(data, t); bad {
		return msg
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%swant %s, got %s", label(te.Field, root), o.wantName(te.Type, te.Field == ""), gotName(te.Value))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// position returns the line and column (both from 1, the column in bytes) just
// before offset, the byte count a json.SyntaxError gives.
func position(data []byte, offset int64) (line, col int) {
	before := data[:min(max(offset-1, 0), int64(len(data)))]
	line = 1 + bytes.Count(before, []byte("\n"))
	return line, len(before) - bytes.LastIndexByte(before, '\n')
}

// walk walks data, the JSON of a t, with a walker: it reports the first value or key
// that does not fit, named by its path (Root names the whole).
func (o Options) walk(data []byte, t reflect.Type) (string, bool) {
	w := walker{dec: json.NewDecoder(bytes.NewReader(data)), o: o}
	w.dec.UseNumber()
	return w.value("", t)
}

// label is how a message begins that is about the value at path: "path: ", or at
// the top root's name, or nothing when root is "".
func label(path, root string) string {
	if path == "" {
		path = root
	}
	if path == "" {
		return ""
	}
	return path + ": "
}

// walker reads JSON token by token alongside its Go type, to find the first value
// that does not fit, or key that is unknown, in another case than the field's or
// given twice, and name it by its path.
type walker struct {
	dec *json.Decoder
	o   Options
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// readsText reports whether a t reads itself from a JSON string.
func readsText(t reflect.Type) bool { return reflect.PointerTo(t).Implements(textUnmarshaler) }

// value reads the next value, at path, which is to fill a t. It reports the first
// value that does not fit, or false if the rest of the value fits (or the JSON ends
// early: the decoder's own error says so then).
func (w *walker) value(path string, t reflect.Type) (string, bool) {
	tok, err := w.dec.Token()
	if err != nil {
		return "", false
	}
	at := label(path, w.o.Root)
	if tok == nil && path == "" {
		return fmt.Sprintf("%swant %s, got null", at, w.o.wantName(t, true)), true
	}
	if tok == nil { // null leaves any field as it is
		return "", false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	mismatch := func() (string, bool) {
		return fmt.Sprintf("%swant %s, got %s", at, w.o.wantName(t, path == ""), tokenName(tok)), true
	}
	if readsText(t) {
		s, ok := tok.(string)
		if !ok {
			return fmt.Sprintf("%sgot %s, want %s", at, tokenName(tok), w.o.wantName(t, false)), true
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return fmt.Sprintf("%s%v", at, err), true
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
				return fmt.Sprintf("%sunknown field %q (the fields here: %s)", at, key, strings.Join(jsonNames(t), ", ")), true
			case !exact:
				return fmt.Sprintf("%sunknown field %q: keys are case-sensitive, want %q", at, key, jsonName(f)), true
			case slices.Contains(seen, key):
				return fmt.Sprintf("%skey %q appears twice", at, key), true
			}
			seen = append(seen, key)
			if msg, bad := w.value(join(path, key), f.Type); bad {
				return msg, true
			}
		}
		_, _ = w.dec.Token() // '}'
	case reflect.Map:
		if tok != json.Delim('{') {
			return mismatch()
		}
		seen := map[string]bool{} // a map's keys are the data's: any number of them
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return "", false
			}
			key, _ := kt.(string)
			if seen[key] {
				return fmt.Sprintf("%skey %q appears twice", at, key), true
			}
			seen[key] = true
			if msg, bad := w.value(join(path, key), t.Elem()); bad {
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
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		var err error
		// The range of a narrow field is worth naming; that of a 64-bit one (and of
		// an int) is not a limit anyone writes to, and the spec's own check names
		// the values it takes.
		span := ""
		if t.Kind() >= reflect.Uint {
			_, err = strconv.ParseUint(n.String(), 10, t.Bits())
			span = "0.." + strconv.FormatUint(math.MaxUint64>>(64-t.Bits()), 10)
		} else {
			_, err = strconv.ParseInt(n.String(), 10, t.Bits())
			span = strconv.FormatInt(math.MinInt64>>(64-t.Bits()), 10) + ".." + strconv.FormatInt(math.MaxInt64>>(64-t.Bits()), 10)
		}
		if t.Bits() >= 64 || t.Kind() == reflect.Int || t.Kind() == reflect.Uint {
			span = ""
		}
		switch {
		case errors.Is(err, strconv.ErrRange) && span != "":
			return fmt.Sprintf("%s%s is out of range, want %s", at, n, span), true
		case errors.Is(err, strconv.ErrRange):
			return fmt.Sprintf("%s%s is out of range", at, n), true
		case err != nil && strings.ContainsAny(n.String(), "eE") && isWhole(n.String()):
			// 1e6 is a whole number, but no integer field reads an exponent.
			return fmt.Sprintf("%s%s: write an integer in digits, without an exponent", at, n), true
		case err != nil:
			return mismatch()
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if _, err := strconv.ParseFloat(n.String(), t.Bits()); err != nil {
			return fmt.Sprintf("%s%s is out of range", at, n), true
		}
	}
	return "", false
}

// isWhole reports whether the JSON number n is a whole number.
func isWhole(n string) bool {
	f, err := strconv.ParseFloat(n, 64)
	return err == nil && f == math.Trunc(f)
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

// jsonNames are the keys a JSON object for struct t may have, in t's order.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && jsonName(f) != "-" {
			names = append(names, jsonName(f))
		}
	}
	return names
}

// jsonName is the key of field f in JSON: its tag's name, or else its Go name.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		name = f.Name
	}
	return name
}

// wantName says how a value of type t is written.
func (o Options) wantName(t reflect.Type, top bool) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if readsText(t) {
		if name, ok := o.Want[t]; ok {
			return name
		}
		return "a string"
	}
	switch {
	case (t.Kind() == reflect.Struct || t.Kind() == reflect.Map) && top:
		return "a JSON object"
	case t.Kind() == reflect.Struct || t.Kind() == reflect.Map:
		return "an object"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return "an integer of 0 or more"
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
