package netmodel_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestEveryMessageAccounted drives four hosts through random sends and faults (two-way
// and one-way partitions of both kinds, heal, hold, release, pause and resume with the
// pause noticed, crash and restart, a receiver that crashes its own host, clock steps,
// drifting clocks, timers, rules that drop, delay and duplicate) on a network that
// loses, duplicates and reorders, with bounded mailboxes, held replies and redial
// backoff; then heals, releases, resumes and restarts everything and runs until
// quiet. Every message sent, and every copy made, must end handed, lost, orphaned
// or shed, none left parked or held; nothing is handed to a host that is down or
// paused, or to an incarnation other than the one it was sent to; no timer fires on a
// host that is down or paused; and each seed, run twice, gives the same trace.
func TestEveryMessageAccounted(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		if h1, h2 := accountingRun(t, seed), accountingRun(t, seed); h1 != h2 {
			t.Errorf("seed %d: the trace hash differs between two runs", seed)
		}
	}
}

func accountingRun(t *testing.T, seed uint64) string {
	cfg := netmodel.Config{
		Routers:          2,
		Service:          netmodel.Dist{Kind: "uniform", Min: netmodel.Duration(100 * time.Microsecond), Max: netmodel.Duration(2 * ms)},
		Link:             netmodel.Link{Latency: netmodel.Dist{Kind: "uniform", Min: netmodel.Duration(ms), Max: netmodel.Duration(5 * ms)}, Drop: 0.05, Dup: 0.1, Reorder: 0.1},
		DetectAfter:      3 * ms,
		PauseDetectAfter: 4 * ms,
		ReplyHold:        20 * ms,
		BackoffMin:       ms,
		BackoffMax:       8 * ms,
		MailboxCap:       3,
	}
	obs := &accountingObs{t: t, inc: map[router.NodeID]int{}, sentTo: map[uint64]int{}}
	cfg.Observer = obs
	w, n := newNet(t, seed, cfg)
	obs.n = n
	r := w.Stream("fuzz")
	crashes := w.Stream("fuzz-crash")
	names := []router.NodeID{"a", "b", "c", "d"}
	var hosts []*netmodel.Host
	var recs []*recorder
	for _, id := range names {
		h, rc := addHost(t, n, id)
		hh := h
		rc.onDeliver = func(router.Message) {
			if crashes.IntN(200) == 0 { // a receiver takes its process down
				obs.inc[hh.ID()]++
				hh.Crash()
			}
		}
		rc.onFire = func() {
			if !hh.Up() || hh.Paused() {
				t.Errorf("seed %d: timer fired on %s up=%v paused=%v", seed, hh.ID(), hh.Up(), hh.Paused())
			}
		}
		hosts = append(hosts, h)
		recs = append(recs, rc)
	}
	if r.IntN(2) == 0 {
		n.AddRule(netmodel.Rule{Name: "d", Match: netmodel.Match{Kind: router.KindRoute}, Action: netmodel.ActDuplicate, Count: 5})
	}
	if r.IntN(2) == 0 {
		n.AddRule(netmodel.Rule{Name: "x", Match: netmodel.Match{To: "b"}, Action: netmodel.ActDrop, Count: 3, After: &netmodel.Match{Kind: router.KindCast}})
	}
	if r.IntN(2) == 0 {
		n.AddRule(netmodel.Rule{Name: "y", Match: netmodel.Match{From: "c"}, Action: netmodel.ActDelay, Delay: 7 * ms})
	}
	for _, h := range hosts {
		if r.IntN(2) == 0 {
			h.SetClock(netmodel.ClockModel{DriftPPM: float64(r.IntN(200000) - 100000), PeriodicPPM: 50000, Period: netmodel.Duration(30 * ms)})
		}
	}
	for step := 0; step < 1500; step++ {
		now := time.Duration(step) * 500 * time.Microsecond
		w.RunUntil(now)
		i, j := r.IntN(4), r.IntN(4)
		h := hosts[i]
		switch op := r.IntN(40); {
		case op < 24:
			if h.Up() {
				kinds := []router.Kind{router.KindRoute, router.KindReply, router.KindCast}
				m := msg(kinds[r.IntN(3)], uint64(step))
				m.Instance = r.IntN(2)
				_ = h.Transport().Send(names[j], &m)
			}
		case op == 24:
			n.Partition(ids(names[i]), ids(names[j]), netmodel.InFlight(r.IntN(2)))
		case op == 25:
			n.PartitionOneWay(ids(names[i]), ids(names[j]), netmodel.InFlight(r.IntN(2)))
		case op == 26:
			n.Heal()
		case op == 27:
			n.Hold(ids(names[i]), ids(names[j]))
		case op == 28:
			n.Release(ids(names[i]), ids(names[j]))
		case op == 29, op == 30:
			h.Pause()
		case op == 31, op == 32:
			h.Resume()
		case op == 33:
			if h.Up() {
				obs.inc[h.ID()]++
			}
			h.Crash()
		case op == 34:
			if !h.Up() {
				obs.inc[h.ID()]++
				h.Restart()
				h.Attach(recs[i])
			}
		case op == 37, op == 38:
			h.Clock().After(time.Duration(r.IntN(20))*ms, timer(uint64(step)))
		case op == 35:
			h.StepClock(time.Duration(r.IntN(10)-5) * ms)
		case op == 36:
			n.ReleaseAll()
		}
	}
	n.Heal()
	n.ReleaseAll()
	for i, h := range hosts {
		h.Resume()
		if !h.Up() {
			obs.inc[h.ID()]++
			h.Restart()
			h.Attach(recs[i])
		}
	}
	w.Run()
	s := n.Stats()
	in := s.Sent + s.Duplicated
	out := s.Handed + s.Lost + s.Orphans + s.Shed
	if in != out || n.Parked() != 0 {
		t.Errorf("seed %d: sent %d + copies %d = %d, handed + lost + orphans + shed = %d (%+v), parked %d", seed, s.Sent, s.Duplicated, in, out, s, n.Parked())
	}
	if n.HeldReplies() != 0 {
		t.Errorf("seed %d: %d held replies left", seed, n.HeldReplies())
	}
	return w.TraceHash()
}

type accountingObs struct {
	t      *testing.T
	n      *netmodel.Net
	inc    map[router.NodeID]int
	sentTo map[uint64]int
}

func (o *accountingObs) Sent(from, to router.NodeID, id uint64, m *router.Message) {
	o.sentTo[id] = o.inc[to]
}

func (o *accountingObs) Handed(to router.NodeID, id uint64, m *router.Message, _ time.Duration) {
	h := o.n.Host(to)
	if !h.Up() || h.Paused() {
		o.t.Errorf("msg %d handed to %s up=%v paused=%v", id, to, h.Up(), h.Paused())
	}
	if o.sentTo[id] != o.inc[to] {
		o.t.Errorf("msg %d sent to incarnation %d of %s handed to %d", id, o.sentTo[id], to, o.inc[to])
	}
}
