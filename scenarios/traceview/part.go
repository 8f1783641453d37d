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
// one call (NewPart) or one workload cast (NewCastPart) needs, so that the run's
// whole trace is never held: a trace of millions of records took gigabytes to view
// one call of.
//
// Of a call it keeps the records that name the call, those of its messages (known
// from the send records that name the call), and the world's (faults and
// elections, which a page draws); the same for every attempt of the call's request
// (workload.retry) that starts after the call's record, which names the request, or
// after the request's first attempt, which later attempts name (Request tells what
// a Part of a later attempt missed). Of a cast it follows the steps of every cast as
// the view does (inferCasts), in the same one pass, knowing which messages carry a
// cast (a set of message ids, the only state that grows with the run): it keeps
// the cast's records (its cast record, those of its steps, those of the messages
// that carry it, its cast-taken records), every record of a message one of them
// names (a page draws a message whole), and the world's. The views infer some
// things from the records around a record (the router instance of a step, a late
// reply's hand-over, the cast of a step): those look back over the records at the
// same virtual time, so with each record kept Part keeps the ones before it at its
// virtual time too. A view of the call or cast made from Records and Whole, with
// Meta.Nodes naming every node, is then the view made from the whole trace
// (TestPartViewsLikeTheWhole, TestCastPartViewsLikeTheWhole), but in one case no
// run has been seen to make: a record of the call or cast right after, at the same
// virtual time on the same node, the hand-over of a message sent at an earlier
// time whose send record Part does not keep, is given no router instance, where
// the whole trace gives it that message's.
type Part struct {
	call string
	// calls are the attempts of call's request met so far (workload.retry: Filter.Call
	// keeps them all), call and its request's first attempt among them.
	calls map[string]bool
	// request is the first attempt of call's request, when call is a later attempt:
	// its records went by before call's record named it (Request).
	request string
	cast    string
	// msgs are the call's messages, or the messages the cast's records name (every
	// record of which a page draws).
	msgs map[int64]bool
	// castMsgs are the messages that carry a cast, true for those that carry this
	// one: inferCasts's m.cast, for a cast's Part.
	castMsgs map[int64]bool
	// inStep is set while a step of a cast goes on, on stepNode at stepAt; stepOurs
	// when that cast is this one.
	inStep, stepOurs bool
	stepNode         string
	stepAt           time.Duration
	recs             []sim.Record
	// block holds the records at virtual time at not kept yet, their Attrs in
	// blockAttrs, both reused from one virtual time to the next.
	block      []sim.Record
	blockAttrs []sim.Attr
	at         time.Duration
	whole      Whole
	ens        ensembles       // named outright, in an "ens" attribute or "ens:" target
	peers      map[string]bool // the peers records name, whose ensembles Whole reads
	known      ensembles       // NewPart's names: they only help read peers
}

// NewPart returns a Part that keeps what a view of call needs. names are the run's
// ensembles, by which Whole reads a peer's, as a Trace reads them with
// Meta.Ensembles (nil: by those the records name outright).
func NewPart(call string, names []string) *Part {
	return &Part{call: call, calls: map[string]bool{call: true}, msgs: map[int64]bool{}, ens: ensembles{}, peers: map[string]bool{}, known: knownNames(names)}
}

// NewCastPart returns a Part that keeps what a view of workload cast cast ("s1",
// "s2", ...) needs. names are as for NewPart.
func NewCastPart(cast string, names []string) *Part {
	return &Part{cast: cast, msgs: map[int64]bool{}, castMsgs: map[int64]bool{}, ens: ensembles{}, peers: map[string]bool{}, known: knownNames(names)}
}

// knownNames returns names as a set of ensembles.
func knownNames(names []string) ensembles {
	k := ensembles{}
	for _, e := range names {
		k[e] = true
	}
	return k
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
	if p.cast != "" {
		keep = p.ofCast(r) || keep
	} else if call := str(r, "call"); p.calls[call] || r.Kind == "call" && p.calls[str(r, "request")] {
		keep = true
		if req := str(r, "request"); r.Kind == "call" && req != "" {
			// An attempt of the request: the call's own record names its request, a
			// later attempt's names it too.
			p.calls[call] = true
			if call == p.call && !p.calls[req] {
				p.calls[req], p.request = true, req
			}
		}
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

// ofCast follows the steps of every cast as inferCasts does, in the same one pass,
// and reports whether r is about the cast, or about a message one of the cast's
// records names. It knows which messages carry a cast (castMsgs) as inferCasts
// does, so that a record about another cast's message in the middle of the cast's
// step is that cast's, and the step goes on past it, as in the whole trace.
func (p *Part) ofCast(r *sim.Record) bool {
	named := has(r, "msg")
	id := num(r, "msg")
	if p.inStep && (r.At != p.stepAt || r.Node != p.stepNode && r.Node != "") {
		p.inStep = false
	}
	ours, carried := false, false
	if named {
		ours, carried = p.castMsgs[id]
	}
	about := false
	switch {
	case r.Kind == "cast":
		ev := str(r, "event")
		p.inStep, p.stepOurs, p.stepNode, p.stepAt = ev != "", ev == p.cast, r.Node, r.At
		about = p.stepOurs
	case r.Kind == "cast-taken":
		// The record names its cast; the step goes on.
		about = str(r, "event") == p.cast
	case carried:
		about = ours
		if r.Kind == "handed" {
			p.inStep, p.stepOurs, p.stepNode, p.stepAt = true, ours, r.Node, r.At
		}
	case p.inStep && r.Node == p.stepNode && inCastStep[r.Kind] && namesNoCall(r):
		about = p.stepOurs
		if k := str(r, "msg_kind"); r.Kind == "send" && named && k != "gossip" && !isReply(k) {
			p.castMsgs[id] = p.stepOurs
		}
	case p.inStep && r.Node == "" && named:
		// A record of the network about a message: the step goes on.
	default:
		p.inStep = false
	}
	if about && named {
		p.msgs[id] = true
	}
	return about || named && p.msgs[id]
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

// Request returns, when the call NewPart was given is a later attempt of a request
// (workload.retry), the call id of the request's first attempt: the records of the
// attempts before the call went by before the call's record named its request, so
// the part lacks them, and a Part of the request's first attempt, from the same run
// made again, keeps every attempt. "" when the part is whole: the call is a first
// attempt or not retried (or a Part of a cast).
func (p *Part) Request() string { return p.request }

// Call returns the call NewPart was given, "" for a Part of a cast.
func (p *Part) Call() string { return p.call }

// Records returns the records kept, in trace order, for New.
func (p *Part) Records() []sim.Record { return p.recs }

// Whole returns what the view needs of the whole trace, for Meta.Whole.
func (p *Part) Whole() Whole {
	w := p.whole
	named, known := map[string]bool{}, ensembles{}
	for e := range p.ens {
		named[e], known[e] = true, true
	}
	for e := range p.known {
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
