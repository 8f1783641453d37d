package netmodel_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestRoutersUpToTheNodesLimit: Config.Routers must match the routers' own
// configuration, which takes at most router.MaxRouters: New refuses more with
// ErrBadConfig naming the field, rather than accept it and have AddHost make a
// mailbox for each (1<<62 of them panicked in makeslice), and takes the limit itself.
func TestRoutersUpToTheNodesLimit(t *testing.T) {
	for _, routers := range []int{router.MaxRouters + 1, 1 << 62} {
		w := sim.New(sim.Config{})
		n, err := netmodel.New(w, config(routers, time.Millisecond, 0))
		if err == nil {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("routers %d: New took it, and AddHost panicked: %v", routers, p)
					}
				}()
				n.AddHost("a")
			}()
			t.Errorf("routers %d: New = nil error, want one wrapping ErrBadConfig", routers)
			continue
		}
		want := "netmodel: bad config: routers: " + strconv.Itoa(routers) + ", past the limit of 1024"
		if !errors.Is(err, netmodel.ErrBadConfig) || err.Error() != want {
			t.Errorf("routers %d: New = %v, want %q wrapping ErrBadConfig", routers, err, want)
		}
	}
	w := sim.New(sim.Config{})
	n, err := netmodel.New(w, config(router.MaxRouters, time.Millisecond, 0))
	if err != nil {
		t.Fatalf("routers %d: New = %v, want the limit taken", router.MaxRouters, err)
	}
	if _, err := n.AddHost("a"); err != nil {
		t.Fatalf("AddHost: %v", err)
	}
}
