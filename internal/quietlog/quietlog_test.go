package quietlog

import (
	"fmt"
	"testing"
	"time"
)

// TestNote: a kind is logged in full at once, quietly within the quiet period after,
// and in full again after it with the count of the quiet ones; another kind is
// logged in full at once.
func TestNote(t *testing.T) {
	l := New(time.Minute, 8)
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for i, s := range []struct {
		at      time.Duration
		key     string
		full    bool
		repeats int
	}{
		{at: 0, key: "a", full: true},
		{at: time.Second, key: "a"},
		{at: 59 * time.Second, key: "a"},
		{at: 59 * time.Second, key: "b", full: true},
		{at: time.Minute, key: "a", full: true, repeats: 2},
		{at: time.Minute + time.Second, key: "a"},
		{at: 2 * time.Minute, key: "a", full: true, repeats: 1},
		{at: 2 * time.Minute, key: "b", full: true},
	} {
		repeats, full := l.Note(s.key, t0.Add(s.at))
		if full != s.full || repeats != s.repeats {
			t.Errorf("step %d (%s at %v): full %v after %d repeats, want %v after %d", i, s.key, s.at, full, repeats, s.full, s.repeats)
		}
	}
}

// TestBounded: the log remembers at most its keys; the kind seen least recently is
// forgotten first, and is new again when it comes back. Of kinds seen at the same
// time the lesser key goes.
func TestBounded(t *testing.T) {
	const keys = 4
	l := New(time.Hour, keys)
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	l.Note("old", t0)
	for i := range keys {
		l.Note(fmt.Sprint("k", i), t0.Add(time.Second))
	}
	if l.Len() != keys {
		t.Fatalf("%d kinds remembered, want %d", l.Len(), keys)
	}
	if _, full := l.Note("old", t0.Add(2*time.Second)); !full {
		t.Errorf("the kind seen least recently was kept, where it should have made room")
	}
	// k0..k3 were seen together: k0, the least key, went for "old".
	if _, full := l.Note("k1", t0.Add(3*time.Second)); full {
		t.Errorf("k1 was forgotten instead of k0")
	}
	if _, full := l.Note("k0", t0.Add(3*time.Second)); !full {
		t.Errorf("k0 was kept instead of forgotten")
	}
}
