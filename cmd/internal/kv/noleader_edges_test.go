package kv

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestNoLeaderRefusedAtOnce: a member whose node knows no leader for its ensemble is
// in an election or probe, and refuses a call at once, under both semantics (as the
// original's peer nacks then): ErrNotLeader, or timeout under riak. It used to
// forward to no leader, which riak swallows: the caller waited out its timeout.
func TestNoLeaderRefusedAtOnce(t *testing.T) {
	for _, tc := range []struct {
		sem  router.Semantics
		want error
	}{{router.Default, router.ErrNotLeader}, {router.Riak, router.ErrTimeout}} {
		t.Run(tc.sem.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				quiet := slog.New(slog.DiscardHandler)
				tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "c", Secret: []byte("kv-secret"), Logger: quiet})
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				n, err := driver.New(driver.Config{ID: "n1", Transport: tr, Logger: quiet, Semantics: tc.sem})
				if err != nil {
					t.Fatal(err)
				}
				defer n.Close()
				ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
				if err := n.AddPeer(ref, NewPeer(n, ref)); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				_, err = n.CallTimeout(context.Background(), router.Target{Peer: ref}, []byte("get k"), time.Minute)
				if took := time.Since(start); !errors.Is(err, tc.want) || took != 0 {
					t.Errorf("err %v after %v, want %v at once", err, took, tc.want)
				}
				if st := n.Stats().Router; st.FwdDrop != 0 {
					t.Errorf("FwdDrop %d: the request was forwarded to no leader", st.FwdDrop)
				}
			})
		})
	}
}
