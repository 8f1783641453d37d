package sim

import (
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"
)

// Record is one structured trace event.
type Record struct {
	At    time.Duration // virtual time, set by Emit to Now()
	Seq   uint64        // position in the trace, 0-based, set by Emit
	Node  string        // the node the record is about; "" when none
	Kind  string        // short lower-case verb, e.g. "send", "deliver", "call", "reply"
	Attrs []Attr        // further fields, in the order given to Emit
}

// Attr is one field of a Record: a string or an integer value, like log/slog.
// When IsInt is true the value is Int, and Str and Name are ignored; otherwise,
// when Name is set (Named), the value is Name's string, whatever Str holds;
// otherwise the value is Str. Int is ignored for a string value. The records a
// World keeps (Config.KeepTrace) never hold a Name: their string values are in
// Str.
type Attr struct {
	Key   string
	Str   string
	Int   int64
	IsInt bool
	Name  *Name
}

// str returns a's value as a string: Name's string when a has one, else Str.
func (a *Attr) str() string {
	if a.Name != nil {
		return a.Name.String()
	}
	return a.Str
}

// plainAttrs returns a copy of attrs for a record the World keeps or hands to its
// Sink: each as String or Int would make it, with a named value's string in Str. A
// record only handed to the Sink, which must not keep it, reuses one slice.
func (w *World) plainAttrs(attrs []Attr) []Attr {
	var kept []Attr
	if w.cfg.KeepTrace {
		kept = make([]Attr, len(attrs))
	} else {
		if cap(w.sinkAttrs) < len(attrs) {
			w.sinkAttrs = make([]Attr, len(attrs))
		}
		kept = w.sinkAttrs[:len(attrs)] // each value is set whole below
	}
	for i := range attrs {
		if a := &attrs[i]; a.IsInt {
			kept[i] = Attr{Key: a.Key, Int: a.Int, IsInt: true}
		} else {
			kept[i] = Attr{Key: a.Key, Str: a.str()}
		}
	}
	return kept
}

// String returns a string-valued Attr.
func String(key, value string) Attr { return Attr{Key: key, Str: value} }

// Int returns an integer-valued Attr.
func Int(key string, value int64) Attr { return Attr{Key: key, Int: value, IsInt: true} }

// Dur returns an integer-valued Attr holding d in nanoseconds.
func Dur(key string, d time.Duration) Attr { return Int(key, int64(d)) }

// Emit records one trace event with At = Now() and Seq = TraceLen() (before
// the call), and folds its canonical encoding (Record.AppendCanonical) into the
// running hash. With Config.KeepTrace the record is also retained, holding its
// own copy of attrs, so the caller may reuse the slice (and with Config.Sink it is
// handed to the Sink): each attribute as String
// or Int would make it (a named value's string in Str, no Name).
//
// Attribute keys are written as given; keys that repeat or collide with
// "t", "seq", "node" or "kind" still hash deterministically but make the JSON
// ambiguous to ordinary decoders, so avoid them.
//
// When nothing consumes records (Recording is false) Emit returns at once and
// the record does not count in TraceLen.
func (w *World) Emit(node, kind string, attrs ...Attr) {
	if !w.recording {
		return
	}
	// The encoding borrows attrs; the record that is kept holds a copy. Keeping the
	// two apart lets callers pass attrs from the stack: they never escape.
	// Encodings gather in encBuf and reach the hash a few kilobytes at a time: the
	// hash is over their concatenation, so only the number of Write calls changes.
	if w.hash != nil {
		w.encBuf = appendCanonical(w.encBuf, w.now, node, kind, attrs)
		if len(w.encBuf) >= hashChunk {
			w.flushHash()
		}
	}
	w.traceLen++
	if w.keeping {
		w.kept = Record{At: w.now, Seq: w.traceLen - 1, Node: node, Kind: kind}
		if len(attrs) > 0 {
			w.kept.Attrs = w.plainAttrs(attrs)
		}
		w.keep()
	}
}

// keep hands w.kept, a record as Config.KeepTrace keeps it, to what takes records:
// the kept trace and the Sink. (The record is built in the World, not on the stack:
// a Sink, which the compiler cannot see into, would move every one to the heap.)
func (w *World) keep() {
	if w.cfg.KeepTrace {
		w.records = append(w.records, w.kept)
	}
	if w.cfg.Sink != nil {
		w.cfg.Sink(&w.kept)
	}
}

// Trace returns every record emitted so far, in order, if Config.KeepTrace is
// set, and nil otherwise. The slice is shared with the World: the caller must
// not modify it, and later Emits may or may not be visible through it.
func (w *World) Trace() []Record { return w.records }

// TraceHash returns the lower-case hex of the 128-bit xxh3 (32 digits, its
// high half first) of the hashed stream: hashDomain ("ensroute/sim/trace/v4" and
// a zero byte) followed by the entries of every record emitted so far, in order:
// a record emitted with Emit is its canonical encoding (Record.AppendCanonical),
// one emitted with EmitKind its kind's number and values, after the kind's
// definition the first time, with each Name defined where a record first carries
// it and referred to by number after (the grammar is in Record.AppendCanonical's
// doc). Two runs have the same hash exactly when they emitted the same records,
// the same way (barring an xxh3-128 collision). Calling it does not affect the
// running hash.
//
// The hash is a fingerprint of the run, for determinism and regression checks,
// not a cryptographic digest: nothing secret or adversarial goes into it, and
// xxh3 hashes the stream many times faster than SHA-256 would. It is not the
// hash of a JSON-lines trace file: the JSON encoding (Record.AppendJSON) is for
// files and people, the binary one for the hash, because formatting every record
// as text would cost more than the rest of the simulation.
//
// With Config.NoHash there is no hash: TraceHash returns "", which no hash
// ever is.
func (w *World) TraceHash() string {
	if w.hash == nil {
		return ""
	}
	w.flushHash()
	var sum [32]byte
	return hex.EncodeToString(w.hash.Sum(sum[:0]))
}

// TraceHashFormat names the format of the hashes TraceHash returns: the version
// of the hashed stream's grammar (hashDomain) and the hash function. A hash of
// another format cannot be compared with one of this format, whatever the runs.
const TraceHashFormat = "v4, xxh3-128"

// hashChunk is how many bytes of encodings Emit gathers before it hashes them.
const hashChunk = 4096

// flushHash folds the gathered encodings into the running hash.
func (w *World) flushHash() {
	w.hash.Write(w.encBuf)
	w.encBuf = w.encBuf[:0]
}

// TraceLen returns the number of records emitted so far while Recording was
// true: with Config.NoHash and neither Config.KeepTrace nor Config.Sink it stays 0.
func (w *World) TraceLen() uint64 { return w.traceLen }

// Recording reports whether anything consumes the records that Emit and
// EmitKind are given: the trace hash (unless Config.NoHash), the kept records
// (Config.KeepTrace) or Config.Sink. It does not change during a run. When it is
// false, Emit and EmitKind return at once, so a caller may skip building a
// record's attributes altogether.
func (w *World) Recording() bool { return w.recording }

// AppendJSON appends the canonical JSON encoding of r to dst and returns the
// extended slice: one line of a trace file (the trace hash is computed over
// AppendCanonical's binary encoding instead). The encoding is one compact JSON object with keys in this
// fixed order: "t" (At in integer nanoseconds), "seq", "node" (omitted when
// empty), "kind", then each attribute in order, its value a JSON string or a
// JSON integer. There is no whitespace and no trailing newline.
//
// Strings are escaped as encoding/json does, except that '<', '>' and '&' are
// not HTML-escaped: '"' and '\\' are backslash-escaped, control characters use
// \b \f \n \r \t or \u00xx, invalid UTF-8 bytes become \ufffd, and U+2028 and
// U+2029 become \u2028 and \u2029.
func (r Record) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"t":`...)
	dst = strconv.AppendInt(dst, int64(r.At), 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, r.Seq, 10)
	if r.Node != "" {
		dst = append(dst, `,"node":`...)
		dst = appendJSONString(dst, r.Node)
	}
	dst = append(dst, `,"kind":`...)
	dst = appendJSONString(dst, r.Kind)
	for i := range r.Attrs {
		a := &r.Attrs[i]
		dst = append(dst, ',')
		dst = appendJSONString(dst, a.Key)
		dst = append(dst, ':')
		if a.IsInt {
			dst = strconv.AppendInt(dst, a.Int, 10)
		} else {
			dst = appendJSONString(dst, a.str())
		}
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// plainByte marks the bytes that a JSON string holds as they are: printable ASCII
// other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString appends s as a quoted JSON string (see Record.AppendJSON).
func appendJSONString(dst []byte, s string) []byte {
	// Nearly every string in a trace is plain ASCII: copy it whole.
	plain := true
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			plain = false
			break
		}
	}
	if plain {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	return appendJSONEscaped(dst, s)
}

// appendJSONEscaped is appendJSONString for a string that needs escaping.
func appendJSONEscaped(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// String renders r for humans on one line: the virtual time in milliseconds
// with microsecond precision, right-aligned to 12 columns (e.g.
// "     1.250ms"), the node left-aligned to 8 columns ("-" when empty), the
// kind, then " key=value" for each attribute. String values that are empty or
// contain spaces, quotes, '=' or non-printable characters are Go-quoted.
// The format is for reading only; use AppendJSON for anything compared or
// hashed.
func (r Record) String() string {
	b := make([]byte, 0, 64)
	b = appendMillis(b, r.At)
	b = append(b, ' ')
	node := r.Node
	if node == "" {
		node = "-"
	}
	b = append(b, node...)
	for n := utf8.RuneCountInString(node); n < 8; n++ {
		b = append(b, ' ')
	}
	b = append(b, ' ')
	b = append(b, r.Kind...)
	for i := range r.Attrs {
		a := &r.Attrs[i]
		b = append(b, ' ')
		b = append(b, a.Key...)
		b = append(b, '=')
		if v := a.str(); a.IsInt {
			b = strconv.AppendInt(b, a.Int, 10)
		} else if needsQuote(v) {
			b = strconv.AppendQuote(b, v)
		} else {
			b = append(b, v...)
		}
	}
	return string(b)
}

// appendMillis appends d as "%6d.%03dms" (truncated to microseconds), with a
// leading '-' for negative d.
func appendMillis(b []byte, d time.Duration) []byte {
	neg := d < 0
	u := uint64(d)
	if neg {
		u = -u
	}
	ms := strconv.FormatUint(u/1e6, 10)
	if neg {
		ms = "-" + ms
	}
	for n := len(ms); n < 6; n++ {
		b = append(b, ' ')
	}
	b = append(b, ms...)
	us := (u % 1e6) / 1e3
	b = append(b, '.', byte('0'+us/100), byte('0'+us/10%10), byte('0'+us%10))
	return append(b, "ms"...)
}

func needsQuote(s string) bool {
	if s == "" || !utf8.ValidString(s) { // a bad byte would print as U+FFFD does
		return true
	}
	for _, c := range s {
		if c == ' ' || c == '"' || c == '=' || c == '\\' || !strconv.IsPrint(c) {
			return true
		}
	}
	return false
}
