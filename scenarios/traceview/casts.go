package traceview

import (
	"slices"
	"strings"

	"github.com/ensroute/ensroute/sim"
)

// castLife is one workload cast: made by its caster, carried by messages of no call,
// taken up by leaders. A cast has no call id and no outcome; the trace names it
// ("s1", "s2", ... in the order the workload made them) on its cast record and on
// each cast-taken record, and on nothing in between.
type castLife struct {
	name   string
	node   string // the caster
	target string
	start  int   // index of the cast record
	recs   []int // every record about the cast or one of its messages, in order
	taken  []int // its cast-taken records
}

// inCastStep are the kinds of record a node makes in the step in which it makes a
// cast or is handed one of its messages: it delivers the cast to a local peer, which
// may forward it, take it up (cast-taken) and hang or give up on it; it drops it or
// sends it on (a send the network may refuse, duplicate or judge by a rule).
var inCastStep = map[string]bool{
	"deliver": true, "forward": true, "drop": true, "send": true, "unreachable": true,
	"dup": true, "rule": true, "rule-armed": true, "cast-taken": true, "hang": true, "abandon": true,
}

// inferCasts finds the cast each record is about. The messages of a cast say
// `call` "-" and do not name it, so the cast is followed as inferInstances follows a
// router instance's step: a node makes a cast (its cast record) or is handed one of a
// cast's messages in one step of the simulation, and the records right after, at the
// same virtual time on the same node, of the kinds such a step makes (inCastStep)
// and naming no call, are about that cast; a route, cast or peer message sent in the
// step carries it, and every record about that message is the cast's too. The first
// record that is not ends the step; records of the network that name a message (a
// loss at the send, a hold) pass, and so do records of a message whose send is not
// among the records (a part of the trace, where it is another cast's).
func (t *Trace) inferCasts() {
	cur, node, at := "", "", int64(0)
	for i := range t.recs {
		r := &t.recs[i]
		if cur != "" && (int64(r.At) != at || r.Node != node && r.Node != "") {
			cur = ""
		}
		var m *message
		if has(r, "msg") {
			m = t.msgOf[num(r, "msg")]
		}
		switch {
		case r.Kind == "cast":
			cur, node, at = str(r, "event"), r.Node, int64(r.At)
			if cur != "" && t.castBy[cur] == nil {
				c := &castLife{name: cur, node: r.Node, target: str(r, "target"), start: i}
				t.castBy[cur] = c
				t.casts = append(t.casts, c)
			}
			t.cast[i] = cur
		case r.Kind == "cast-taken":
			// The record names its cast; the step goes on (the leader may hang).
			t.cast[i] = str(r, "event")
		case m != nil && m.cast != "":
			t.cast[i] = m.cast
			if r.Kind == "handed" {
				cur, node, at = m.cast, r.Node, int64(r.At)
			}
		case cur != "" && m == nil && has(r, "msg"):
			// A message whose send the records do not hold: a view made from a Part
			// (which keeps another cast's record at the same virtual time, not its
			// send) passes it as the whole trace does, where the message carries that
			// other cast.
		case cur != "" && r.Node == node && inCastStep[r.Kind] && namesNoCall(r):
			t.cast[i] = cur
			if r.Kind == "send" && m != nil && m.call == "" && m.kind != "gossip" && !isReply(m.kind) {
				m.cast = cur
			}
		case cur != "" && r.Node == "" && m != nil:
		default:
			cur = ""
		}
		if c := t.castBy[t.cast[i]]; c != nil {
			c.recs = append(c.recs, i)
			if r.Kind == "cast-taken" {
				c.taken = append(c.taken, i)
			}
		} else if t.cast[i] != "" {
			t.unlive(t.cast[i]) // its life, if it has one, does not index the record
		}
	}
}

// namesNoCall reports whether r is about no call: it has no call field, or "-".
func namesNoCall(r *sim.Record) bool {
	a, ok := attr(r, "call")
	return !ok || !a.IsInt && a.Str == "-"
}

// validCastName reports whether s is a cast's name: "s" and a number from 1, in
// decimal without leading zeros.
func validCastName(s string) bool {
	if len(s) < 2 || len(s) > 11 || s[0] != 's' || s[1] == '0' {
		return false
	}
	for _, b := range []byte(s[1:]) {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// CastsNamed returns the casts a violation's detail is about, in the order it names
// them: the checker names a cast "cast s3" in every violation about one.
func CastsNamed(detail string) []string {
	var names []string
	for rest := detail; ; {
		i := strings.Index(rest, "cast s")
		if i < 0 {
			return names
		}
		rest = rest[i+len("cast "):]
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if name := rest[:n]; validCastName(name) {
			names = append(names, name)
		}
		rest = rest[n:]
	}
}

// namesCast reports whether a violation's detail is about cast name.
func namesCast(detail, name string) bool {
	return slices.Contains(CastsNamed(detail), name)
}
