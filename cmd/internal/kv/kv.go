package kv

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// Directory is what a peer needs from its node: the leader it knows, and a way to
// announce that it leads now.
type Directory interface {
	Lookup(e router.EnsembleID) (router.Entry, bool)
	Announce(e router.Entry) bool
}

// Peer is one member of one ensemble.
type Peer struct {
	// Service is how long the peer takes to serve each get, put, cas or echo. Set it
	// before the peer is added to a node.
	Service time.Duration

	dir  Directory
	ref  router.PeerRef
	now  func() time.Time
	mu   sync.Mutex
	data map[string]string
	slow *Slow
}

// NewPeer returns an empty store for member ref, hosted by a node with directory dir.
func NewPeer(dir Directory, ref router.PeerRef) *Peer {
	return &Peer{dir: dir, ref: ref, now: time.Now, data: map[string]string{}}
}

// Split parses an event into its operation and at most n arguments, the last one
// taking the rest.
func Split(event []byte, n int) (op string, args []string) {
	parts := strings.SplitN(string(event), " ", n+1)
	return parts[0], parts[1:]
}

// ServeWith makes a Slow server serve the peer's requests from now on (nil: the peer
// serves each at once, on the goroutine that hands it over).
func (p *Peer) ServeWith(s *Slow) { p.slow = s }

// Handle serves one event (driver.Peer), or queues it for the peer's Slow server.
func (p *Peer) Handle(r *driver.Request) {
	if p.slow != nil {
		p.slow.enqueue(p, r)
		return
	}
	p.serve(r)
}

func (p *Peer) serve(r *driver.Request) {
	if string(r.Event()) == "lead" {
		e, ok := p.lead()
		if !ok {
			// Another member's newer entry came in between (by gossip): the lead is
			// not this peer's, and saying ok would tell the caller it moved.
			cur, _ := p.dir.Lookup(p.ref.Ensemble)
			r.Reply([]byte("error: not leading: the node took a newer entry meanwhile, " + cur.String()))
			return
		}
		r.Reply([]byte(leadTaken + e.String()))
		return
	}
	e, _ := p.dir.Lookup(p.ref.Ensemble)
	if e.Leader.IsZero() {
		// No leader known: the member is in an election or probe, as the original's
		// peer is then, and refuses (a nack: ErrNotLeader, or timeout under riak, at
		// once). Only a follower forwards, and a follower knows its leader.
		r.Nack()
		return
	}
	if e.Leader != p.ref {
		// A follower passes the request once to the leader it knows; the router nacks
		// a forward of a forward.
		r.Forward(e.Leader)
		return
	}
	if p.Service > 0 {
		time.Sleep(p.Service)
	}
	if r.IsCast() {
		p.apply(r.Event(), e)
		return
	}
	if v, ok := p.get(r.Event()); ok {
		r.Reply(v)
		return
	}
	r.Reply([]byte(p.apply(r.Event(), e)))
}

var (
	getOp   = []byte("get ")
	missing = []byte("missing")
)

// get answers "get KEY" without parsing the event into strings (the operation a
// benchmark repeats); ok is false for any other event.
func (p *Peer) get(event []byte) (answer []byte, ok bool) {
	key, isGet := bytes.CutPrefix(event, getOp)
	if !isGet || len(key) == 0 || bytes.IndexByte(key, ' ') >= 0 {
		return nil, false
	}
	p.mu.Lock()
	v, found := p.data[string(key)]
	p.mu.Unlock()
	if !found {
		return missing, true // the router and the transport only read a result
	}
	return append(append(make([]byte, 0, 3+len(v)), "ok "...), v...), true
}

// lead makes this peer the leader: a version newer than any the node knows, and
// newer than what another node may have announced a moment ago (a wall-clock floor).
// It reports whether the node took the entry: one newer still, learned between the
// lookup and the announcement, keeps it out.
func (p *Peer) lead() (router.Entry, bool) {
	cur, _ := p.dir.Lookup(p.ref.Ensemble)
	e := router.Entry{Ensemble: p.ref.Ensemble, Leader: p.ref, Version: max(cur.Version+1, uint64(p.now().UnixNano()))}
	return e, p.dir.Announce(e)
}

func (p *Peer) apply(event []byte, e router.Entry) string {
	op, args, err := parse(event)
	if err != nil {
		return "error: " + err.Error()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch op {
	case "get":
		if v, ok := p.data[args[0]]; ok {
			return "ok " + v
		}
		return "missing"
	case "put":
		p.data[args[0]] = args[1]
		return "ok"
	case "cas":
		cur, ok := p.data[args[0]]
		if (args[1] == "-" && ok) || (args[1] != "-" && (!ok || cur != args[1])) {
			if !ok {
				return "conflict"
			}
			return "conflict " + cur
		}
		p.data[args[0]] = args[2]
		return "ok"
	case "echo":
		return string(event)
	case "leader":
		return e.String()
	}
	return "error: " + unknown(event).Error() // lead: serve answers it, as it is, before this
}

// arity is how many arguments each operation takes, the last taking the rest of the
// event; echo takes its whole event as it is.
var arity = map[string]int{"get": 1, "put": 2, "cas": 3, "leader": 0, "lead": 0}

// parse splits event into its operation and arguments, or says why no peer serves
// it: the text of a peer's "error: ..." answer, without the prefix. A put's value
// and a cas's new value take the rest of the event, spaces included; a get's key
// may not hold a space. An empty argument is an argument: Check refuses one.
func parse(event []byte) (op string, args []string, err error) {
	op, _, hasArgs := strings.Cut(string(event), " ")
	if op == "echo" {
		return op, nil, nil
	}
	if n, known := arity[op]; known {
		_, args = Split(event, n)
		if n == 0 && !hasArgs || n > 0 && len(args) == n && (op != "get" || !strings.Contains(args[0], " ")) {
			return op, args, nil
		}
	}
	return "", nil, unknown(event)
}

// unknown is the error for an event no peer serves.
func unknown(event []byte) error {
	return fmt.Errorf("cannot parse %q (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)", event)
}

// Check reports whether a peer serves event, with an error that quotes it and lists
// the operations (the text of the peer's own "error: ..." answer, without the
// prefix), and refuses an empty key or argument, which a peer would take as one.
// ensctl checks an event with it before sending.
func Check(event []byte) error {
	op, args, err := parse(event)
	if err != nil {
		return err
	}
	for _, a := range args {
		if a == "" {
			return fmt.Errorf("cannot parse %q: %s has an empty argument (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)", event, op)
		}
	}
	return nil
}

// Event joins the words of a command line (ensctl call e1 put KEY VALUE...) into the
// event they stand for, and checks it as Check does. The last argument of an
// operation takes the rest of the event, spaces included, so it may span words (put
// k hello world) or hold spaces itself; the operation and every other argument (a
// key, cas's OLD) must be one word without a space, since the event could not tell
// where it ends: "put" "my key" "v" would store "key v" under "my". Event refuses
// such a word instead, and a get's key with a space, which no peer serves. A single word is the whole event, spaces and all ("put k v"),
// which is not ambiguous.
func Event(words []string) ([]byte, error) {
	if len(words) > 1 { // one word is the event as it is ("put k v"), as bench's --event takes it
		single := 1 // the words that may hold no space: the operation's,
		if n, ok := arity[words[0]]; ok && n > 1 {
			single = n // and its arguments' but the last,
		} else if words[0] == "get" {
			single = 2 // and a get's key, which no peer reads with a space
		}
		for i, w := range words[:min(single, len(words))] {
			if strings.Contains(w, " ") {
				what := "the operation"
				if i > 0 {
					what = [...]string{"", "its KEY", "its OLD"}[i]
				}
				why := "which only the last argument may (put's VALUE, cas's NEW): the event would not tell where it ends"
				if words[0] == "get" && i == 1 {
					why = "which a key may not"
				}
				return nil, fmt.Errorf("%s: %s %q holds a space, %s (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)", words[0], what, w, why)
			}
		}
	}
	event := []byte(strings.Join(words, " "))
	return event, Check(event)
}

// leadTaken begins the demo peer's answer to "lead" when it took the lead; any other
// answer ("error: not leading: ...") says it did not.
const leadTaken = "ok "

// LeadTaken reports whether answer, a demo peer's answer to "lead", says it took the
// lead.
func LeadTaken(answer []byte) bool { return bytes.HasPrefix(answer, []byte(leadTaken)) }
