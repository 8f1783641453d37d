package router

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestPendingSetMatchesMap: a pendingSet holds, finds and forgets calls as a map by
// sequence number does, whatever the order calls start and complete in, for one shard
// and for a shard of several (whose numbers are Shards apart): calls that outlive many
// others (collisions in the table, its growth, the map beside it) included.
//
// Whether a run puts a call beside the table depends on what rapid draws;
// TestPendingSetBeside makes sure of that path.
func TestPendingSetMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		shards := rapid.IntRange(1, 4).Draw(t, "shards")
		shard := rapid.IntRange(0, shards-1).Draw(t, "shard")
		s := pendingSet{stride: uint64(shards)}
		model := map[uint64]*pending{}
		// Some calls linger while very many others start and end (a call with no
		// deadline): their places in the table are wanted again while they are held.
		lingers := map[uint64]bool{}
		var next uint64 // the node's own call counter
		seqOf := func(k uint64) uint64 { return (k-1)*uint64(shards) + uint64(shard) + 1 }
		for range rapid.IntRange(1, 1500).Draw(t, "steps") {
			switch op := rapid.IntRange(0, 19).Draw(t, "op"); {
			case op < 8: // start a call
				next++
				p := &pending{request: request{call: CallID{Node: "n1", Incarnation: 1, Seq: seqOf(next)}}}
				s.put(p)
				model[p.call.Seq] = p
				lingers[p.call.Seq] = rapid.IntRange(0, 31).Draw(t, "lingers") == 0
			case op < 19 && len(model) > 0: // complete one: mostly an old one
				keys := make([]uint64, 0, len(model))
				for k := range model {
					if lingers[k] == (op >= 17) {
						keys = append(keys, k)
					}
				}
				if len(keys) == 0 {
					break
				}
				slices.Sort(keys)
				i := rapid.IntRange(0, len(keys)-1).Draw(t, "which")
				if rapid.Bool().Draw(t, "oldest") {
					i = 0
				}
				s.remove(keys[i])
				delete(model, keys[i])
			default: // forget a number never started, or started and gone
				s.remove(seqOf(next + 1 + uint64(rapid.IntRange(0, 3).Draw(t, "ahead"))))
				if next > 0 {
					k := seqOf(rapid.Uint64Range(1, next).Draw(t, "past"))
					if model[k] == nil {
						s.remove(k)
					}
				}
			}
			if s.len() != len(model) {
				t.Fatalf("len %d, want %d", s.len(), len(model))
			}
			for k := next + 2; k > 0 && k+200 > next; k-- {
				seq := seqOf(k)
				if got, want := s.get(seq), model[seq]; got != want {
					t.Fatalf("get(%d) = %v, want %v", seq, got, want)
				}
			}
			for seq, p := range model {
				if got := s.get(seq); got != p {
					t.Fatalf("get(%d) = %v, want %v", seq, got, p)
				}
			}
			seen := map[uint64]bool{}
			s.each(func(p *pending) {
				if seen[p.call.Seq] || model[p.call.Seq] != p {
					t.Fatalf("each gave %d twice or not held", p.call.Seq)
				}
				seen[p.call.Seq] = true
			})
			if len(seen) != len(model) {
				t.Fatalf("each gave %d calls, want %d", len(seen), len(model))
			}
		}
	})
}

// TestPendingSetBeside: a call that lingers while a table's worth of others start
// and end holds the place the next one wants, which then goes beside the table; both
// are found, and each is forgotten on its own. For one shard and for a shard of four.
func TestPendingSetBeside(t *testing.T) {
	for _, shards := range []uint64{1, 4} {
		s := pendingSet{stride: shards}
		seqOf := func(k uint64) uint64 { return (k-1)*shards + 2 } // shard 1 of shards, or 2 for one
		call := func(k uint64) *pending {
			return &pending{request: request{call: CallID{Node: "n1", Incarnation: 1, Seq: seqOf(k)}}}
		}
		old := call(1)
		s.put(old)
		for k := uint64(2); k <= minPendingSlots; k++ {
			p := call(k)
			s.put(p)
			s.remove(p.call.Seq)
		}
		p := call(minPendingSlots + 1) // wants old's place
		s.put(p)
		if len(s.more) != 1 || len(s.slots) != minPendingSlots {
			t.Fatalf("shards %d: %d calls beside a table of %d, want 1 beside a table of %d",
				shards, len(s.more), len(s.slots), minPendingSlots)
		}
		if s.get(old.call.Seq) != old || s.get(p.call.Seq) != p || s.len() != 2 {
			t.Fatalf("shards %d: get finds %v and %v of 2 (len %d)", shards, s.get(old.call.Seq), s.get(p.call.Seq), s.len())
		}
		s.remove(p.call.Seq)
		if s.get(p.call.Seq) != nil || s.get(old.call.Seq) != old || len(s.more) != 0 {
			t.Fatalf("shards %d: after removing the one beside: %v, %v, %d beside", shards, s.get(p.call.Seq), s.get(old.call.Seq), len(s.more))
		}
		s.remove(old.call.Seq)
		if s.get(old.call.Seq) != nil || s.len() != 0 {
			t.Fatalf("shards %d: not empty at the end", shards)
		}
	}
}

// TestPendingSetUsesItsTable: calls that complete in about the order they started,
// as most do, never leave the table, which stays small; for a node of one shard and
// for a shard of four, whose call numbers are four apart; the table grows to hold
// more calls at once.
func TestPendingSetUsesItsTable(t *testing.T) {
	for _, c := range []struct {
		shards, open uint64 // open: calls pending at once
		size         int    // the table's size at the end
	}{{1, 40, minPendingSlots}, {4, 40, minPendingSlots}, {1, 200, 4 * minPendingSlots}, {4, 200, 4 * minPendingSlots}} {
		s := pendingSet{stride: c.shards}
		for k := uint64(1); k <= 10_000; k++ {
			s.put(&pending{request: request{call: CallID{Seq: (k-1)*c.shards + 2}}})
			if k > c.open {
				s.remove((k-c.open-1)*c.shards + 2)
			}
		}
		if len(s.more) != 0 || len(s.slots) != c.size {
			t.Fatalf("shards %d, %d open: %d calls beside the table of %d, want 0 beside %d", c.shards, c.open, len(s.more), len(s.slots), c.size)
		}
	}
}

// idlePorts are a node's ports for tests that drive it by hand: the clock stands at
// zero and never fires, the transport takes every message and delivers none.
type idlePorts struct{}

func (idlePorts) Now() time.Duration                 { return 0 }
func (idlePorts) After(time.Duration, Timer) TimerID { return 0 }
func (idlePorts) Stop(TimerID)                       {}
func (idlePorts) Send(NodeID, *Message) error        { return nil }
func (idlePorts) IntN(int) int                       { return 0 }

// TestCallBesideTheTable: a node's call whose place in its pending table an older call
// still holds is kept beside the table, answered from there exactly once, and then
// forgotten, as Call and complete keep it (their common cases are written out: putFree,
// removeHeld). For one shard and for a shard of three.
func TestCallBesideTheTable(t *testing.T) {
	for _, shards := range []int{1, 3} {
		n, err := New(Config{ID: "n1", Incarnation: 1, Clock: idlePorts{}, Transport: idlePorts{}, Rand: idlePorts{}, Shards: shards, Shard: shards - 1})
		if err != nil {
			t.Fatal(err)
		}
		far := ToPeer(PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}) // its request is never delivered
		old, err := n.Call(far, nil, Infinity, func(Result) { t.Errorf("shards %d: the first call completed", shards) })
		if err != nil {
			t.Fatal(err)
		}
		for range minPendingSlots - 1 { // calls that fail at once: no leader known here
			if _, err := n.Call(ToEnsemble("e1"), nil, time.Second, func(Result) {}); err != nil {
				t.Fatal(err)
			}
		}
		var got []Result
		id, err := n.Call(far, nil, Infinity, func(r Result) { got = append(got, r) }) // wants old's place
		if err != nil {
			t.Fatal(err)
		}
		if len(n.pending.more) != 1 || n.pending.len() != 2 {
			t.Fatalf("shards %d: %d calls beside the table, %d held; want 1 and 2", shards, len(n.pending.more), n.pending.len())
		}
		answer := Message{Kind: KindReply, From: "n2", Call: id, Code: CodeOK, Result: []byte("ok"), Peer: far.Peer}
		n.Deliver(&answer, 0)
		n.Deliver(&answer, 0) // late: the call is forgotten
		if len(got) != 1 || got[0].Err != nil || string(got[0].Value) != "ok" {
			t.Fatalf("shards %d: the call beside the table completed with %v, want once with ok", shards, got)
		}
		if p := n.Pending(); len(p) != 1 || p[0] != old || len(n.pending.more) != 0 || n.pending.len() != 1 {
			t.Fatalf("shards %d: pending %v, %d beside, %d held; want only %v", shards, p, len(n.pending.more), n.pending.len(), old)
		}
		if s := n.Stats(); s.Late != 1 || s.Completed[CodeOK] != 1 || s.Completed[CodeNoLeader] != minPendingSlots-1 {
			t.Fatalf("shards %d: stats %+v", shards, s)
		}
	}
}
