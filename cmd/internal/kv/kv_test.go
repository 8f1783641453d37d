package kv

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

type dir struct{ e router.Entry }

func (d *dir) Lookup(router.EnsembleID) (router.Entry, bool) { return d.e, true }
func (d *dir) Announce(e router.Entry) bool {
	if e.Version <= d.e.Version {
		return false
	}
	d.e = e
	return true
}

func TestApply(t *testing.T) {
	ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	d := &dir{e: router.Entry{Ensemble: "e1", Leader: ref, Version: 1}}
	p := NewPeer(d, ref)
	for _, tc := range []struct{ ev, want string }{
		{"get k", "missing"},
		{"put k hello world", "ok"},
		{"get k", "ok hello world"},
		{"cas k - x", "conflict hello world"},
		{"cas k hello y", "conflict hello world"},
		{"cas k2 - v", "ok"},
		{"cas k2 v w", "ok"},
		{"get k2", "ok w"},
		{"cas k3 a b", "conflict"},
		{"leader", "e1=e1/n1@n1@v1"},
		{"echo c1-42", "echo c1-42"},
		{"echo two words", "echo two words"},
		{"frob", `error: cannot parse "frob" (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`},
		{"get", `error: cannot parse "get" (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`},
		{"get k extra", `error: cannot parse "get k extra" (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`},
		{"put k  v", "ok"},
		{"get k", "ok  v"}, // a value takes the rest of the event, its leading space too
		{"cas k", `error: cannot parse "cas k" (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`},
		{"leader ", `error: cannot parse "leader " (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`},
		{"lead", `error: cannot parse "lead" (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)`}, // Handle answers lead, before apply
	} {
		if got := p.apply([]byte(tc.ev), d.e); got != tc.want {
			t.Errorf("%q -> %q, want %q", tc.ev, got, tc.want)
		}
	}
}

// TestLeadVersion: a new leadership is newer than anything the node knew, even with a
// wall clock behind the known version.
func TestLeadVersion(t *testing.T) {
	ref := router.PeerRef{Ensemble: "e1", Name: "n2", Node: "n2"}
	d := &dir{e: router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}, Version: 1 << 62}}
	p := NewPeer(d, ref)
	p.now = func() time.Time { return time.Unix(0, 5) }
	e, ok := p.lead()
	if !ok || e.Version != 1<<62+1 || d.e.Leader != ref {
		t.Fatalf("lead gave %v; directory %v", e, d.e)
	}
	p.now = func() time.Time { return time.Unix(0, 1<<62+100) }
	if e, _ := p.lead(); e.Version != 1<<62+100 {
		t.Fatalf("lead gave %v, want the wall-clock floor", e)
	}
}

// TestGetAgreesWithApply: the fast path for "get KEY" answers what apply answers, and
// declines every other event.
func TestGetAgreesWithApply(t *testing.T) {
	ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	d := &dir{e: router.Entry{Ensemble: "e1", Leader: ref, Version: 1}}
	p := NewPeer(d, ref)
	p.apply([]byte("put k hello world"), d.e)
	for _, ev := range []string{"get k", "get nokey", "get", "get ", "get k extra", "getk", "put k v", "leader"} {
		got, ok := p.get([]byte(ev))
		want := p.apply([]byte(ev), d.e)
		isGet := strings.HasPrefix(ev, "get ") && len(ev) > 4 && !strings.Contains(ev[4:], " ")
		switch {
		case ok != isGet:
			t.Errorf("get(%q) took it: %v, want %v", ev, ok, isGet)
		case ok && string(got) != want:
			t.Errorf("get(%q) = %q, apply says %q", ev, got, want)
		}
	}
}

// TestCheck: Check, which ensctl runs before sending, accepts
// exactly the events a peer serves, and refuses the rest with the text of the peer's
// own error answer.
func TestCheck(t *testing.T) {
	ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	d := &dir{e: router.Entry{Ensemble: "e1", Leader: ref, Version: 1}}
	p := NewPeer(d, ref)
	for _, ev := range []string{"get k", "put k v", "put k two words", "cas k - v", "cas k a two words", "echo", "echo x y",
		"leader", "lead", "get", "get k extra", "put k", "cas k v", "frob", "frob x", "leader now", "leader ", "lead e1", "get ", "put  v", "put k  v", "cas k  v", ""} {
		err := Check([]byte(ev))
		if ev == "lead" {
			// The peer serves lead before it looks at the rest.
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", ev, err)
			}
			continue
		}
		answer := p.apply([]byte(ev), d.e)
		switch {
		case ev == "get " || ev == "put  v" || ev == "cas k  v":
			// The peer takes an empty key; ensctl refuses one.
			if err == nil {
				t.Errorf("Check(%q) accepts an empty key", ev)
			}
		case err == nil && strings.HasPrefix(answer, "error:"):
			t.Errorf("Check(%q) accepts an event the peer answers %q", ev, answer)
		case err != nil && "error: "+err.Error() != answer:
			t.Errorf("Check(%q) = %v, for an event the peer answers %q", ev, err, answer)
		}
	}
}

// TestEvent: the event Event makes of a command line's words, if it makes one, is
// served as those words say: the operation is the first word, each argument but the
// last is one word, and the last is the rest of the words, spaces included. A key
// with a space ("put" "my key" "v") would otherwise be stored as "my", with the
// value "key v".
func TestEvent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		word := rapid.StringMatching(`[a-c -]{0,4}`)
		op := rapid.SampledFrom([]string{"get", "put", "cas", "echo", "leader", "lead", "put k", "put k v", "frob"}).Draw(t, "op")
		words := append([]string{op}, rapid.SliceOfN(word, 0, 5).Draw(t, "args")...)
		event, err := Event(words)
		if err != nil {
			if !strings.Contains(err.Error(), "want get KEY") {
				t.Fatalf("Event(%q) = %v: the error does not list the operations", words, err)
			}
			return
		}
		gotOp, args, perr := parse(event)
		if perr != nil {
			t.Fatalf("Event(%q) = %q, which a peer does not serve: %v", words, event, perr)
		}
		if len(words) == 1 {
			if string(event) != words[0] {
				t.Fatalf("Event(%q) = %q, want the word as it is", words, event)
			}
			return // the whole event, as given
		}
		if gotOp != op {
			t.Fatalf("Event(%q) = %q, served as %s", words, event, gotOp)
		}
		if op == "echo" {
			return // the whole event is echoed
		}
		want := slices.Clone(words[1:])
		if n := arity[op]; n > 0 {
			want = append(want[:n-1], strings.Join(want[n-1:], " "))
		}
		if diff := cmp.Diff(want, args); diff != "" {
			t.Fatalf("Event(%q) = %q, served with other arguments (-words +served):\n%s", words, event, diff)
		}
	})
	// The case that was wrong, spelled out.
	if _, err := Event([]string{"put", "my key", "v"}); err == nil || !strings.Contains(err.Error(), `its KEY "my key" holds a space`) {
		t.Errorf(`Event("put", "my key", "v") = %v, want the key refused`, err)
	}
	if _, err := Event([]string{"get", "my key"}); err == nil || !strings.Contains(err.Error(), `get: its KEY "my key" holds a space, which a key may not`) {
		t.Errorf("a get's key with a space: %v", err)
	}
	if ev, err := Event([]string{"put k hello world"}); err != nil || string(ev) != "put k hello world" {
		t.Errorf(`Event("put k hello world") = %q, %v, want the event as it is`, ev, err)
	}
	if ev, err := Event([]string{"put", "greeting", "hello", "world"}); err != nil || string(ev) != "put greeting hello world" {
		t.Errorf(`Event("put", "greeting", "hello", "world") = %q, %v, want the value of two words`, ev, err)
	}
}

// TestCastApplied: a cast is applied though nobody waits for an answer: after a cast
// of "put k v", a get sees v. (A peer that answered only calls would drop a put sent
// as a cast, silently.)
func TestCastApplied(t *testing.T) {
	n := leader(t, nil)
	if err := n.Cast(router.ToEnsemble("e1"), []byte("put k v")); err != nil {
		t.Fatal(err)
	}
	res, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("get k"), time.Second)
	if err != nil || string(res.Value) != "ok v" {
		t.Fatalf("get k after a cast of put k v: %q, %v; want ok v", res.Value, err)
	}
}

// TestService: a peer with a Service time spends it before it answers (a slow
// application), in virtual time exactly that.
func TestService(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := leader(t, func(p *Peer) { p.Service = 5 * time.Millisecond })
		begin := time.Now()
		res, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("put k v"), time.Second)
		if took := time.Since(begin); err != nil || string(res.Value) != "ok" || took != 5*time.Millisecond {
			t.Fatalf("put k v: %q, %v after %v; want ok after 5ms", res.Value, err, took)
		}
	})
}
