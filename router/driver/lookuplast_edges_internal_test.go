package driver

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestLookupKnownOnEveryInstance: once Lookup says an ensemble's leader is known,
// every router instance knows it, so that a call made then, on whichever instance,
// finds it. Learn updates the instances one after another, and Lookup read the
// first: a program (or a test) that waited for Lookup and then called could be
// told router.ErrNoLeader.
func TestLookupKnownOnEveryInstance(t *testing.T) {
	n, err := New(Config{ID: "n1", Incarnation: 1, Routers: 8, Transport: &recordTransport{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	const rounds = 2000
	learned := make(chan router.EnsembleID)
	go func() {
		for i := range rounds {
			ens := router.EnsembleID(fmt.Sprintf("e%d", i))
			learned <- ens
			n.Learn(router.Entry{Ensemble: ens, Leader: router.PeerRef{Ensemble: ens, Name: "p", Node: "n2"}, Version: 1})
		}
	}()
	missing := 0
	for range rounds {
		ens := <-learned
		for _, ok := n.Lookup(ens); !ok; _, ok = n.Lookup(ens) {
		}
		for i, s := range n.shards {
			s.lock()
			_, ok := s.core.Directory().Lookup(ens)
			s.unlock()
			if !ok {
				missing++
				if missing <= 3 {
					t.Errorf("Lookup knows %s, router instance %d does not", ens, i)
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d times an instance did not know what Lookup said was known, in %d rounds", missing, rounds)
	}
}
