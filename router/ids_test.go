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
		got  string
		want string
	}{
		{name: "call id", got: router.CallID{Node: "n1", Incarnation: 3, Seq: 7}.String(), want: "n1.3.7"},
		{name: "zero call id", got: router.CallID{}.String(), want: "-"},
		{name: "peer", got: p.String(), want: "e1/p2@n2"},
		{name: "zero peer", got: router.PeerRef{}.String(), want: "-"},
		{name: "ensemble target", got: router.ToEnsemble("e1").String(), want: "ens:e1"},
		{name: "ensemble target via", got: router.ToEnsemble("e1").Through("n3").String(), want: "ens:e1 via n3"},
		{name: "peer target", got: router.ToPeer(p).String(), want: "peer:e1/p2@n2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
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
