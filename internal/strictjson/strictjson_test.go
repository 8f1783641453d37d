package strictjson_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/internal/strictjson"
)

// wait reads itself from a string, like a spec's durations.
type wait time.Duration

func (w *wait) UnmarshalText(b []byte) error {
	d, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("wait %q: want a duration", b)
	}
	*w = wait(d)
	return nil
}

// level reads itself from a string, and Options.Want does not name it.
type level int

func (l *level) UnmarshalText(b []byte) error {
	if string(b) != "high" {
		return fmt.Errorf("level %q: want high", b)
	}
	*l = 1
	return nil
}

type item struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type doc struct {
	Items []item            `json:"items"`
	Tags  map[string]string `json:"tags"`
	Wait  wait              `json:"wait"`
	Level level             `json:"level"`
	Ratio float64           `json:"ratio"`
	Small uint8             `json:"small"`
	On    bool              `json:"on"`
}

// TestDecode: each kind of mistake is named by its path, in the file's terms, and a
// good file decodes as encoding/json would.
func TestDecode(t *testing.T) {
	opts := strictjson.Options{Root: "doc", What: "document", Want: map[reflect.Type]string{reflect.TypeFor[wait](): "a quoted wait"}}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", ``, "no document: the input is empty, want a JSON object"},
		{"not utf-8", "{\"items\": [{\"name\": \"n\xff1\"}]}", "the document is not UTF-8: byte 0xff at line 1, column 23"},
		{"not utf-8 on line 2", "{\"items\": [\n {\"name\": \"é\xc3\"}]}", "the document is not UTF-8: byte 0xc3 at line 2, column 14"},
		{"lone high surrogate", `{"items": [{"name": "c\ud800"}]}`, `the document holds the escape \ud800 at line 1, column 23: half of a UTF-16 surrogate pair, no character (it would be read as U+FFFD); write the character itself, or the whole pair`},
		{"high surrogate then a character", `{"items": [{"name": "\uD83Dx"}]}`, `the document holds the escape \uD83D at line 1, column 22: half of a UTF-16 surrogate pair, no character (it would be read as U+FFFD); write the character itself, or the whole pair`},
		{"lone low surrogate", "{\n\"tags\": {\"\\udc00\": \"x\"}}", `the document holds the escape \udc00 at line 2, column 11: half of a UTF-16 surrogate pair, no character (it would be read as U+FFFD); write the character itself, or the whole pair`},
		{"two high halves", `{"items": [{"name": "\ud83d\ud83d"}]}`, `the document holds the escape \ud83d at line 1, column 22: half of a UTF-16 surrogate pair, no character (it would be read as U+FFFD); write the character itself, or the whole pair`},
		{"cut short", `{"items": [`, "malformed JSON: it ends in the middle of the document"},
		{"trailing", `{} {}`, "trailing data after the document object"},
		{"stray brace", "{}\n}", "trailing data after the document object"},
		{"stray bracket", `{}]`, "trailing data after the document object"},
		{"trailing word", `{} x`, "trailing data after the document object"},
		{"null", `null`, "doc: want a JSON object, got null"},
		{"syntax", "{\n  \"on\": tru\n}", "malformed JSON at line 2, column 12: invalid character '\\n' in literal true (expecting 'e')"},
		{"syntax on line 1", `{"on" true}`, "malformed JSON at line 1, column 7: invalid character 't' after object key"},
		{"top not an object", `[1]`, "doc: want a JSON object, got an array"},
		{"unknown key", `{"itemz": []}`, `doc: unknown field "itemz" (the fields here: items, tags, wait, level, ratio, small, on)`},
		{"unknown nested key", `{"items": [{"name": "a"}, {"nme": "b"}]}`, `items[1]: unknown field "nme" (the fields here: name, count)`},
		{"key in another case", `{"Items": []}`, `doc: unknown field "Items": keys are case-sensitive, want "items"`},
		{"key twice", `{"on": true, "on": false}`, `doc: key "on" appears twice`},
		{"map key twice", `{"tags": {"a": "1", "a": "2"}}`, `tags: key "a" appears twice`},
		{"wrong type in a list", `{"items": [{"count": "3"}]}`, "items[0].count: want an integer, got a string"},
		{"list wanted", `{"items": {}}`, "items: want a list, got an object"},
		{"out of range", `{"small": 300}`, "small: 300 is out of range, want 0..255"},
		{"whole, with an exponent", `{"small": 1e2}`, "small: 1e2: write an integer in digits, without an exponent"},
		{"out of range, with an exponent", `{"items": [{"count": 1e30}]}`, "items[0].count: 1e30: write an integer in digits, without an exponent"},
		{"fractional, with an exponent", `{"small": 1.5e-1}`, "small: want an integer of 0 or more, got the number 1.5e-1"},
		{"not an integer", `{"small": 1.5}`, "small: want an integer of 0 or more, got the number 1.5"},
		{"negative", `{"small": -1}`, "small: want an integer of 0 or more, got the number -1"},
		{"int out of range", `{"items": [{"count": 99999999999999999999}]}`, "items[0].count: 99999999999999999999 is out of range"},
		{"bool wanted", `{"on": 1}`, "on: want true or false, got the number 1"},
		{"text type given a number", `{"wait": 5}`, "wait: got the number 5, want a quoted wait"},
		{"text type refuses", `{"wait": "soon"}`, `wait: wait "soon": want a duration`},
		{"text type without a name", `{"level": 3}`, "level: got the number 3, want a string"},
		{"text type refuses without a name", `{"level": "low"}`, `level: level "low": want high`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := strictjson.Decode([]byte(tc.in), &d, opts)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Decode(%q) = %v, want %q", tc.in, err, tc.want)
			}
		})
	}
	var d doc
	in := `{"items": [{"name": "a", "count": 2}], "tags": {"x": "y"}, "wait": "1.5s", "level": "high", "ratio": 0.25, "small": 7, "on": true}`
	if err := strictjson.Decode([]byte(in), &d, opts); err != nil {
		t.Fatal(err)
	}
	want := doc{Items: []item{{"a", 2}}, Tags: map[string]string{"x": "y"}, Wait: wait(1500 * time.Millisecond), Level: 1, Ratio: 0.25, Small: 7, On: true}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	// A byte-order mark, as some editors save, is skipped; one further in is not.
	var bom doc
	if err := strictjson.Decode([]byte("\xef\xbb\xbf"+in), &bom, opts); err != nil {
		t.Errorf("a file with a byte-order mark: %v", err)
	} else if diff := cmp.Diff(want, bom); diff != "" {
		t.Errorf("decoded after a byte-order mark (-want +got):\n%s", diff)
	}
	if err := strictjson.Decode([]byte(" \xef\xbb\xbf"+in), &bom, opts); err == nil {
		t.Error("a byte-order mark after a space decoded")
	}
	// A whole surrogate pair is a character; an escaped backslash before "u" starts
	// no escape; an escaped quote ends no string.
	var pairs doc
	if err := strictjson.Decode([]byte(`{"items": [{"name": "\ud83d\ude00"}, {"name": "\\ud800"}, {"name": "\"\ud800"}]}`), &pairs, opts); err == nil {
		t.Errorf("a lone surrogate after an escaped quote decoded")
	}
	if err := strictjson.Decode([]byte(`{"items": [{"name": "\ud83d\ude00"}, {"name": "\\ud800"}], "tags": {"\\": "\"\\u"}}`), &pairs, opts); err != nil {
		t.Errorf("a surrogate pair and an escaped backslash: %v", err)
	} else if got := []string{pairs.Items[0].Name, pairs.Items[1].Name}; !slices.Equal(got, []string{"\U0001F600", `\ud800`}) {
		t.Errorf("decoded names %q", got)
	}
	// Without a Root, a message about the whole has no name before it.
	if err := strictjson.Decode([]byte(`{"x": 1}`), &d, strictjson.Options{What: "config"}); err == nil || err.Error() != `unknown field "x" (the fields here: items, tags, wait, level, ratio, small, on)` {
		t.Errorf("no root: %v", err)
	}
}

// odd has the field shapes doc lacks: an untagged field (its key is its Go name), two
// keys alike but for case, and the platform-sized and 32-bit number kinds.
type odd struct {
	Plain int
	First int     `json:"Ab"`
	Other int     `json:"aB"`
	Big   uint    `json:"big"`
	Frac  float32 `json:"frac"`
}

// TestDecodeOddFields: an untagged field's key is its Go name; a key that matches two
// fields but for case is named after the first, as encoding/json fills it; a uint
// takes the whole unsigned range and no negative number; a float32 refuses a number
// past its range; a column is counted from the start of its own line however many
// lines come before; two byte-order marks are one too many.
func TestDecodeOddFields(t *testing.T) {
	opts := strictjson.Options{Root: "odd", What: "document"}
	for _, tc := range []struct {
		name, in, want string // want "" for no error
	}{
		{"untagged", `{"Plain": 1}`, ""},
		{"untagged in another case", `{"plain": 1}`, `odd: unknown field "plain": keys are case-sensitive, want "Plain"`},
		{"two fields alike", `{"ab": 1}`, `odd: unknown field "ab": keys are case-sensitive, want "Ab"`},
		{"largest uint", `{"big": 18446744073709551615}`, ""},
		{"uint out of range", `{"big": 18446744073709551616}`, "big: 18446744073709551616 is out of range"},
		{"float32 out of range", `{"frac": 1e39}`, "frac: 1e39 is out of range"},
		{"float32 in range", `{"frac": 1e38}`, ""},
		{"syntax on line 3", "{\n  \"Plain\": 1,\n  \"big\": x\n}", "malformed JSON at line 3, column 10: invalid character 'x' looking for beginning of value"},
		{"two byte-order marks", "\xef\xbb\xbf\xef\xbb\xbf{}", "malformed JSON at line 1, column 1: invalid character 'ï' looking for beginning of value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o odd
			err := strictjson.Decode([]byte(tc.in), &o, opts)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Decode(%q) = %v, want no error", tc.in, err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("Decode(%q) = %v, want %q", tc.in, err, tc.want)
			}
		})
	}
}
