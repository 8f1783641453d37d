package netmodel_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestSendFindsItsDestination: every send reaches the host it names over the link
// from its sender to that host, whatever the names. Each link has a latency of its
// own, so a message that went over another link arrives at another time. Names are
// short and from few letters, so that they often share a slot of a sender's table of
// destinations (or a slot of the network's cache of hosts) and evict each other; a
// name may come as a string of its own rather than the one the host was added with,
// and sends to names of no host, the empty name among them, fail without leaving
// anything behind that a later send would find.
func TestSendFindsItsDestination(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nameOf := func(minLen int) *rapid.Generator[router.NodeID] {
			return rapid.Custom(func(t *rapid.T) router.NodeID {
				return router.NodeID(rapid.StringOfN(rapid.SampledFrom([]rune("nc1a")), minLen, 3, -1).Draw(t, "name"))
			})
		}
		name := nameOf(0) // "" too: no host has it
		names := rapid.SliceOfNDistinct(nameOf(1), 1, 24, func(id router.NodeID) router.NodeID { return id }).Draw(t, "hosts")
		w, n := newNet(t, 1, config(1, time.Millisecond, 0))
		var recs []*recorder
		var trs []router.Transport
		for _, id := range names {
			h, r := addHost(t, n, id)
			recs = append(recs, r)
			trs = append(trs, h.Transport())
		}
		hosts := n.Hosts()
		idx := map[router.NodeID]int{}
		for i, h := range hosts {
			idx[h.ID()] = i
		}
		// latency is the link's own: no two links share one.
		latency := func(from, to int) time.Duration {
			return time.Duration(1+from*len(hosts)+to) * time.Microsecond
		}
		for i, a := range hosts {
			for j, b := range hosts {
				if err := n.SetLink(a.ID(), b.ID(), netmodel.Link{Latency: netmodel.Const(latency(i, j))}); err != nil {
					t.Fatalf("SetLink: %v", err)
				}
			}
		}
		type want struct {
			to int
			at time.Duration
		}
		wants := map[uint64]want{}
		sends := rapid.IntRange(1, 200).Draw(t, "sends")
		for k := range sends {
			from := rapid.IntRange(0, len(hosts)-1).Draw(t, "from")
			to := name.Draw(t, "to")
			if rapid.Bool().Draw(t, "copy") {
				to = router.NodeID(string(append([]byte(nil), to...)))
			}
			tag := uint64(k + 1)
			m := msg(router.KindReply, tag)
			err := trs[from].Send(to, &m)
			j, ok := idx[to]
			if !ok {
				if !errors.Is(err, router.ErrUnreachable) {
					t.Fatalf("send %d from %s to %q (no such host): %v, want ErrUnreachable", tag, hosts[from].ID(), to, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("send %d from %s to %s: %v", tag, hosts[from].ID(), to, err)
			}
			wants[tag] = want{to: j, at: latency(from, j)}
		}
		w.Run()
		for j, r := range recs {
			for _, g := range r.got {
				wt, ok := wants[g.Tag]
				switch {
				case !ok:
					t.Fatalf("%s got message %d, which was not sent to a host", hosts[j].ID(), g.Tag)
				case wt.to != j:
					t.Fatalf("message %d reached %s, want %s", g.Tag, hosts[j].ID(), hosts[wt.to].ID())
				case g.At != wt.at:
					t.Fatalf("message %d reached %s at %v, want %v (over the link from its sender)", g.Tag, hosts[j].ID(), g.At, wt.at)
				}
				delete(wants, g.Tag)
			}
		}
		if len(wants) > 0 {
			t.Fatalf("%d messages never arrived: %v", len(wants), fmt.Sprint(wants))
		}
	})
}
