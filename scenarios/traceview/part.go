package traceview

import (
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/sim"
)

// Whole is what a view needs to know of a whole trace when it is given only a part
// of it (Part): how many records the trace has, when its last one is, the ensembles
// it names, and how many calls and casts it starts.
type Whole struct {
	Records   int
	End       time.Duration
	Ensembles []string
	Calls     int
	Casts     int
}

// Part keeps, as a run emits them (a sim.Config.Sink), the records that a view of
// one call needs, so that the run's whole trace is never held: a trace of millions of
// records took gigabytes to view one call of.
//
// It keeps the records that name the call, those of its messages (known from the
// send records that name the call), and the world's (faults and elections, which a
// page draws). The views infer some things from the records around a record (the
// router instance of a step, a late reply's hand-over): those look back over the
// records at the same virtual time, so with each record kept Part keeps the ones
// before it at its virtual time too. A view of the call made from Records and
// Whole, with Meta.Nodes naming every node, is then the view made from the whole
// trace (TestPartViewsLikeTheWhole), but in one case no run has been seen to make:
// a record of the call right after, at the same virtual time on the same node, the
// hand-over of another call's message sent at an earlier time, whose send record
// Part does not keep, is given no router instance, where the whole trace gives it
// that message's.
type Part struct {
	call string
	msgs map[int64]bool // the call's messages
	recs []sim.Record
	// block holds the records at virtual time at not kept yet, their Attrs in
	// blockAttrs, both reused from one virtual time to the next.
	block      []sim.Record
	blockAttrs []sim.Attr
	at         time.Duration
	whole      Whole
	ens        ensembles       // named outright, in an "ens" attribute or "ens:" target
	peers      map[string]bool // the peers records name, whose ensembles Whole reads
	known      []string        // NewPart's ensembles
}

// NewPart returns a Part that keeps what a view of call needs. names are the run's
// ensembles, by which Whole reads a peer's, as a Trace reads them with
// Meta.Ensembles (nil: by those the records name outright).
func NewPart(call string, names []string) *Part {
	return &Part{call: call, msgs: map[int64]bool{}, ens: ensembles{}, peers: map[string]bool{}, known: names}
}

// Add takes the next record of the run. It copies what it keeps: r is only read.
func (p *Part) Add(r *sim.Record) {
	p.whole.Records++
	p.whole.End = r.At
	switch r.Kind {
	case "call":
		p.whole.Calls++
		p.target(str(r, "target"))
	case "cast":
		p.whole.Casts++
		p.target(str(r, "target"))
	}
	if e := str(r, "ens"); e != "" {
		p.ens[e] = true
	} else if pe := str(r, "peer"); pe != "" {
		p.peers[pe] = true
	}
	if r.At != p.at {
		p.block, p.blockAttrs, p.at = p.block[:0], p.blockAttrs[:0], r.At
	}
	keep := worldKinds[r.Kind]
	if call := str(r, "call"); call == p.call {
		keep = true
		if r.Kind == "send" {
			p.msgs[num(r, "msg")] = true
		}
	} else if has(r, "msg") && p.msgs[num(r, "msg")] {
		keep = true
	}
	if !keep {
		n := len(p.blockAttrs)
		p.blockAttrs = append(p.blockAttrs, r.Attrs...)
		b := *r
		b.Attrs = p.blockAttrs[n:len(p.blockAttrs):len(p.blockAttrs)]
		p.block = append(p.block, b)
		return
	}
	for i := range p.block {
		p.recs = append(p.recs, copyRecord(&p.block[i]))
	}
	p.recs = append(p.recs, copyRecord(r))
	p.block, p.blockAttrs = p.block[:0], p.blockAttrs[:0]
}

// target notes the ensemble or peer that a call's or cast's target names.
func (p *Part) target(t string) {
	if pe, ok := strings.CutPrefix(t, "peer:"); ok {
		p.peers[pe] = true
		return
	}
	p.ens.learn(t)
}

// copyRecord returns r with Attrs of its own.
func copyRecord(r *sim.Record) sim.Record {
	c := *r
	c.Attrs = append([]sim.Attr(nil), r.Attrs...)
	return c
}

// Records returns the records kept, in trace order, for New.
func (p *Part) Records() []sim.Record { return p.recs }

// Whole returns what the view needs of the whole trace, for Meta.Whole.
func (p *Part) Whole() Whole {
	w := p.whole
	named, known := map[string]bool{}, ensembles{}
	for e := range p.ens {
		named[e], known[e] = true, true
	}
	for _, e := range p.known {
		known[e] = true
	}
	for pe := range p.peers {
		named[known.ofPeer(pe)] = true
	}
	w.Ensembles = make([]string, 0, len(named))
	for e := range named {
		if e != "" {
			w.Ensembles = append(w.Ensembles, e)
		}
	}
	sort.Strings(w.Ensembles)
	return w
}
