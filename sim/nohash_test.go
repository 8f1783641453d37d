package sim

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// emitBoth emits a few records, plain and of a kind, into w.
func emitBoth(w *World) {
	send := w.Kind("send", "msg", "to")
	n1, n2 := w.Name("n1"), w.Name("n2")
	w.Emit("n1", "start", String("mode", "x"))
	w.EmitKind(n1, send, Int("", 1), Named("", n2))
	w.RunUntil(5)
	w.EmitKind(n2, send, Int("", 2), String("", "n1"))
	w.Emit("", "end")
}

// TestNoHash: with Config.NoHash no record is encoded or hashed, whether or not
// records are kept, and TraceHash says so with "".
func TestNoHash(t *testing.T) {
	for _, keep := range []bool{false, true} {
		w := New(Config{Seed: 1, NoHash: true, KeepTrace: keep})
		emitBoth(w)
		if h := w.TraceHash(); h != "" {
			t.Errorf("KeepTrace=%v: TraceHash = %q with NoHash, want \"\"", keep, h)
		}
		if w.hash != nil || cap(w.encBuf) != 0 {
			t.Errorf("KeepTrace=%v: records reached the hash with NoHash: hash %v, %d bytes encoded", keep, w.hash != nil, len(w.encBuf))
		}
	}
	// Records kept without a hash are those kept with one.
	hashed, unhashed := New(Config{KeepTrace: true}), New(Config{KeepTrace: true, NoHash: true})
	emitBoth(hashed)
	emitBoth(unhashed)
	if d := gocmp.Diff(hashed.Trace(), unhashed.Trace()); d != "" {
		t.Fatalf("NoHash changed the records kept (-hashed +unhashed):\n%s", d)
	}
	if hashed.TraceLen() != 4 || unhashed.TraceLen() != 4 {
		t.Fatalf("TraceLen = %d with a hash, %d without, want 4", hashed.TraceLen(), unhashed.TraceLen())
	}
	// Nothing consumes records: nothing is counted either.
	none := New(Config{NoHash: true})
	emitBoth(none)
	if none.TraceLen() != 0 || none.Trace() != nil {
		t.Fatalf("with nothing recording: TraceLen %d, %d records kept, want none", none.TraceLen(), len(none.Trace()))
	}
}

// TestRecording: Recording is true exactly when a hash or kept records consume
// what is emitted.
func TestRecording(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want bool
	}{
		{Config{}, true},
		{Config{KeepTrace: true}, true},
		{Config{NoHash: true, KeepTrace: true}, true},
		{Config{NoHash: true}, false},
	} {
		w := New(tc.cfg)
		if got := w.Recording(); got != tc.want {
			t.Errorf("%+v: Recording() = %v, want %v", tc.cfg, got, tc.want)
		}
		emitBoth(w)
		if got, consumed := w.Recording(), w.TraceLen() > 0; got != consumed {
			t.Errorf("%+v: Recording() = %v but %d records were taken", tc.cfg, got, w.TraceLen())
		}
	}
}

// TestEmitWithoutRecordingChecksKinds: a Kind or a Name of another World or a
// wrong number of values panics whether or not records are consumed (or only
// kept), so a run that records nothing does not hide a mistake that a
// recording one reveals.
func TestEmitWithoutRecordingChecksKinds(t *testing.T) {
	w, other := New(Config{NoHash: true}), New(Config{NoHash: true})
	kept := New(Config{NoHash: true, KeepTrace: true})
	k, n := other.Kind("x", "a"), other.Name("n")
	for name, f := range map[string]func(){
		"foreign kind":       func() { w.EmitKind(nil, k, Int("", 1)) },
		"wrong arity":        func() { other.EmitKind(n, k) },
		"foreign node":       func() { w.EmitKind(n, w.Kind("x", "a"), Int("", 1)) },
		"foreign value":      func() { w.EmitKind(nil, w.Kind("x", "a"), Named("", n)) },
		"foreign value kept": func() { kept.EmitKind(nil, kept.Kind("x", "a"), Named("", n)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic without recording", name)
				}
			}()
			f()
		}()
	}
}

// Without a consumer, Emit and EmitKind allocate nothing.
func TestEmitWithoutRecordingAllocatesNothing(t *testing.T) {
	w := New(Config{NoHash: true})
	k := w.Kind("send", "msg", "to")
	n1, n2 := w.Name("n1"), w.Name("n2")
	var n int64
	if got := testing.AllocsPerRun(1000, func() {
		n++
		w.Emit("n1", "x", Int("msg", n))
		w.EmitKind(n1, k, Int("", n), Named("", n2))
	}); got != 0 {
		t.Fatalf("allocated %v times per pair of records, want 0", got)
	}
}
