package driver

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// idTransport is a transport that says which node it speaks for.
type idTransport struct {
	dropTransport
	id  router.NodeID
	inc router.Incarnation
}

func (t idTransport) Identity() (router.NodeID, router.Incarnation) { return t.id, t.inc }

// TestConfigTakesTransportIdentity: a driver whose ID or Incarnation differs from its
// transport's is refused, naming the field (replies would go to another node, or be
// taken for another life's); an Incarnation of 0 takes the transport's; a transport
// that does not say keeps the driver's own.
func TestConfigTakesTransportIdentity(t *testing.T) {
	tr := idTransport{id: "n1", inc: 42}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"another id", Config{ID: "client-x", Transport: tr}, `ID "client-x" is not the transport's ("n1")`},
		{"another incarnation", Config{ID: "n1", Incarnation: 7, Transport: tr}, "Incarnation 7 is not the transport's (42)"},
	} {
		if _, err := New(tc.cfg); !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrBadConfig with %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want router.Incarnation
	}{
		{"0 takes the transport's", Config{ID: "n1", Transport: tr}, 42},
		{"the same", Config{ID: "n1", Incarnation: 42, Transport: tr}, 42},
		{"a transport that does not say", Config{ID: "n1", Incarnation: 9, Transport: dropTransport{}}, 9},
	} {
		n, err := New(tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n.cfg.Incarnation != tc.want {
			t.Errorf("%s: incarnation %d, want %d", tc.name, n.cfg.Incarnation, tc.want)
		}
		_ = n.Close()
	}
}

// TestIncarnationNeverConstant: with a transport that does not say its incarnation,
// an Incarnation of 0 takes a new one at each start (NewIncarnation), never 0 for
// every life: a restarted node would take replies to its previous life's calls,
// whose ids it issues again, for answers to its own.
func TestIncarnationNeverConstant(t *testing.T) {
	var lives []router.Incarnation
	for range 2 {
		n, err := New(Config{ID: "x", Transport: dropTransport{}})
		if err != nil {
			t.Fatal(err)
		}
		lives = append(lives, n.Incarnation())
		_ = n.Close()
	}
	// Later, or the same on a clock too coarse to tell them apart: never 0, never back.
	if lives[0] == 0 || lives[1] < lives[0] {
		t.Errorf("incarnations of two lives %v: want a nonzero one, no smaller at the second", lives)
	}
}

// TestMembersMayListSelf: Members may hold the node's own id, as every node may be
// given the same list; the node leaves itself out of its gossip, and the caller's
// slice is not changed.
func TestMembersMayListSelf(t *testing.T) {
	members := []router.NodeID{"n1", "n2", "n3"}
	n, err := New(Config{ID: "n2", Transport: dropTransport{}, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if got := n.cfg.Members; len(got) != 2 || got[0] != "n1" || got[1] != "n3" {
		t.Errorf("members %v, want [n1 n3]", got)
	}
	if n.members["n2"] {
		t.Error("the node takes itself for a member")
	}
	if members[1] != "n2" || len(members) != 3 {
		t.Errorf("the caller's Members changed: %v", members)
	}
	if _, err := New(Config{ID: "n2", Transport: dropTransport{}, Members: []router.NodeID{"n1", ""}}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("an empty member: %v, want ErrBadConfig", err)
	}
}

// TestNewIncarnationGrows: an incarnation is the time it was taken, so that each start
// of a program gets a larger one than the last.
func TestNewIncarnationGrows(t *testing.T) {
	before := time.Now().UnixNano()
	a := NewIncarnation()
	if after := time.Now().UnixNano(); int64(a) < before || int64(a) > after {
		t.Fatalf("NewIncarnation gave %d, want the time it was called (%d..%d)", a, before, after)
	}
}
