package router_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router"
)

func TestIDStrings(t *testing.T) {
	p := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	tests := []struct {
		name string
		id   appendStringer
		want string
	}{
		{name: "call id", id: router.CallID{Node: "n1", Incarnation: 3, Seq: 7}, want: "n1.3.7"},
		{name: "zero call id", id: router.CallID{}, want: "-"},
		{name: "peer", id: p, want: "e1/p2@n2"},
		{name: "zero peer", id: router.PeerRef{}, want: "-"},
		{name: "ensemble target", id: router.ToEnsemble("e1"), want: "ens:e1"},
		{name: "ensemble target via", id: router.ToEnsemble("e1").Through("n3"), want: "ens:e1 via n3"},
		{name: "peer target", id: router.ToPeer(p), want: "peer:e1/p2@n2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.id.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if got := string(tc.id.AppendTo([]byte("x="))); got != "x="+tc.want {
				t.Errorf("AppendTo(x=) = %q, want %q", got, "x="+tc.want)
			}
		})
	}
}

type appendStringer interface {
	String() string
	AppendTo([]byte) []byte
}

// TestAppendToAllocatesNothing pins that rendering ids into a buffer with room to
// spare allocates nothing, and that String allocates only its result.
func TestAppendToAllocatesNothing(t *testing.T) {
	// Names longer than the 32 bytes the compiler may keep on the stack for a string
	// that does not escape: a rendering through an intermediate string would allocate.
	p := router.PeerRef{Ensemble: "ensemble-with-a-long-name", Name: "peer-with-a-long-name", Node: "node-with-a-long-name"}
	c := router.CallID{Node: "node-with-a-rather-long-name-too", Incarnation: 3, Seq: 1234567}
	buf := make([]byte, 0, 512)
	if a := testing.AllocsPerRun(100, func() {
		b := c.AppendTo(buf[:0])
		b = p.AppendTo(b)
		b = router.ToPeer(p).AppendTo(b)
		b = router.ToEnsemble("e1").Through("n3").AppendTo(b)
		buf = b
	}); a != 0 {
		t.Errorf("AppendTo allocates %v times per run, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { _ = c.String() }); a != 1 {
		t.Errorf("CallID.String allocates %v times, want 1 (its string)", a)
	}
}

// TestCallIDsDifferAcrossIncarnations pins the property a restart relies on: the same
// node and sequence in two incarnations are two different call ids.
func TestCallIDsDifferAcrossIncarnations(t *testing.T) {
	a := router.CallID{Node: "n1", Incarnation: 1, Seq: 1}
	b := router.CallID{Node: "n1", Incarnation: 2, Seq: 1}
	if a == b {
		t.Fatalf("%v == %v", a, b)
	}
	if a.IsZero() || !(router.CallID{}).IsZero() {
		t.Errorf("IsZero wrong: %v.IsZero()=%v", a, a.IsZero())
	}
}

func TestParseSemantics(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    router.Semantics
		wantErr bool
	}{
		{name: "default", in: "default", want: router.Default},
		{name: "empty is default", in: "", want: router.Default},
		{name: "riak", in: "riak", want: router.Riak},
		{name: "unknown", in: "erlang", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := router.ParseSemantics(tc.in)
			if tc.wantErr {
				if !errors.Is(err, router.ErrBadConfig) {
					t.Fatalf("ParseSemantics(%q) error = %v, want ErrBadConfig", tc.in, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSemantics(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			var s router.Semantics
			text, _ := got.MarshalText()
			if err := s.UnmarshalText(text); err != nil || s != got {
				t.Errorf("text round trip of %v: %q -> %v, %v", got, text, s, err)
			}
		})
	}
}
