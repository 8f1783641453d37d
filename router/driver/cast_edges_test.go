package driver_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestCastFailuresHereAreCounted: a cast that fails on its own node (no leader known,
// a peer target not running here, a leader here whose peer is not) returns nil and is
// counted in Stats.Router.CastDrop, as Cast says, under both semantics; only a bad
// target is an error.
func TestCastFailuresHereAreCounted(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		n, err := driver.New(driver.Config{ID: "n1", Transport: alone{}, Logger: quiet, Semantics: sem})
		if err != nil {
			t.Fatal(err)
		}
		missing := router.PeerRef{Ensemble: "e", Name: "x", Node: "n1"}
		n.Learn(router.Entry{Ensemble: "e", Leader: missing, Version: 1})
		for _, tg := range []router.Target{router.ToEnsemble("nope"), router.ToPeer(missing), router.ToEnsemble("e")} {
			if err := n.Cast(tg, []byte("x")); err != nil {
				t.Errorf("%v: Cast to %v: %v, want nil (counted, not reported)", sem, tg, err)
			}
		}
		if got := n.Stats().Router.CastDrop; got != 3 {
			t.Errorf("%v: CastDrop = %d, want 3", sem, got)
		}
		if err := n.Cast(router.Target{}, nil); !errors.Is(err, router.ErrBadTarget) {
			t.Errorf("%v: Cast to no target: %v, want ErrBadTarget", sem, err)
		}
		_ = n.Close()
	}
}
