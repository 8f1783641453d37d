package traceview

import (
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/sim"
)

// Meta describes the run a trace came from. Every field is optional.
type Meta struct {
	// Title heads every view, e.g. "slow-leader, seed 1, default semantics".
	Title string
	// Nodes is the order of the lanes; nodes of the trace that are not listed get
	// lanes after them, in the order they first appear.
	Nodes []string
	// Violations are the run's invariant violations, as its report lists them: the
	// views name them, and the page offers their calls first among its problem calls.
	Violations []Violation
	// MaxHTMLData bounds the diagram's data that an HTML page embeds, in bytes; 0
	// means MaxHTMLData. A larger page is refused (ErrPageTooLarge).
	MaxHTMLData int
	// Whole, when the records given are a part of the trace (Part), says what the
	// views need of the whole. Nil: the records are the whole trace.
	Whole *Whole
	// Ensembles names the run's ensembles (its spec's). A peer is written
	// ens/member@node, and either name may hold a "/": the views read its ensemble as
	// the longest of these, or of the ensembles the trace names outright (in a call's
	// target, say), that it starts with; one that starts with none, up to its first
	// "/".
	Ensembles []string
}

// Violation is one invariant a run broke: which, the call it is about ("" for none),
// and what happened.
type Violation struct {
	Invariant, Call, Detail string
}

// Trace is one run's trace, analysed once for every view: each message paired from
// its send to each of its arrivals, each call's life, and the router instance of the
// records made on an instance's turn. A Trace is read-only after New; its methods may
// be called from several goroutines.
type Trace struct {
	recs  []sim.Record
	title string
	lanes []string
	lane  map[string]int
	// inst is the router instance each record happened on, or -1 (instance.go).
	inst []int
	// call is the call each record is about, directly (its "call" field) or through
	// its message; "" for none.
	call  []string
	msgs  []*message
	msgOf map[int64]*message
	calls []*callLife
	cals  map[string]*callLife
	// cast is the workload cast each record is about (casts.go), "s1", "s2", ...; ""
	// for none.
	cast   []string
	casts  []*castLife
	castBy map[string]*castLife
	// unlived are the calls and casts that a record is about before the record that
	// starts their life (a call's call record, a cast's cast record), if any: their
	// lives do not index that record (Select).
	unlived map[string]bool
	viol    []Violation
	// maxData bounds the data of an HTML page (Meta.MaxHTMLData).
	maxData int
	// whole is Meta.Whole: nil when recs is the whole trace.
	whole *Whole
	ens   ensembles
}

// message is one message between nodes, from its send record on.
type message struct {
	id     int64
	send   int // index of the send record
	from   string
	to     string
	kind   string // route, cast, peer, reply, gossip
	call   string // "" for none
	cast   string // the workload cast it carries, "" for none (casts.go)
	inst   int    // the instance it is addressed to (route and cast), else -1
	dup    int    // index of the dup record, or -1
	lostAt int    // index of a loss before it left (partition, loss, rule), or -1
	late   bool   // a reply that came after its call had completed, and was dropped (a copy of it, at least)
	copies []*msgCopy
	recs   []int // every record that names it, in order
}

// msgCopy is one arrival of a message at the far end of its link (a duplicated
// message arrives twice): the records of its way from there, in order. The first
// step is the arrival; the last is where it ended: handed, lost, orphan, shed, or a
// wait that never ended.
type msgCopy struct {
	steps []int
	last  string // the kind of the last step
	late  bool   // a reply copy dropped as late as it was handed over
}

// callLife is one call's life: its start, every record about it, its outcome.
type callLife struct {
	id       string
	node     string
	target   string
	ensemble string
	// request is the call id of the first attempt of the request the call is an
	// attempt of (workload.retry: the call record's request field), its own id for a
	// first attempt or a call that is not retried.
	request  string
	start    int   // index of the call record
	recs     []int // every record about the call or one of its messages, in order
	complete int   // index of the first complete record, or -1
	late     []int // late records
	msgs     []*message
}

// New analyses recs (a run's whole trace, in order, as sim.World.Trace returns it).
// It keeps recs; the caller must not modify them afterwards.
func New(recs []sim.Record, meta Meta) *Trace {
	t := &Trace{
		recs:   recs,
		title:  meta.Title,
		lane:   map[string]int{},
		inst:   make([]int, len(recs)),
		call:   make([]string, len(recs)),
		msgOf:  map[int64]*message{},
		cals:   map[string]*callLife{},
		viol:   meta.Violations,
		cast:   make([]string, len(recs)),
		castBy: map[string]*castLife{},
	}
	t.maxData = meta.MaxHTMLData
	t.whole = meta.Whole
	if t.maxData <= 0 {
		t.maxData = MaxHTMLData
	}
	for _, n := range meta.Nodes {
		t.addLane(n)
	}
	t.ens = knownEnsembles(recs, meta)
	for i := range recs {
		t.index(i)
	}
	t.inferInstances()
	t.inferCasts()
	return t
}

// knownEnsembles returns the ensembles meta names, and those the records name
// outright: in an "ens" attribute or a call's or cast's "ens:" target.
func knownEnsembles(recs []sim.Record, meta Meta) ensembles {
	k := ensembles{}
	for _, e := range meta.Ensembles {
		k[e] = true
	}
	if meta.Whole != nil {
		for _, e := range meta.Whole.Ensembles {
			k[e] = true
		}
	}
	for i := range recs {
		r := &recs[i]
		if e := str(r, "ens"); e != "" {
			k[e] = true
		}
		if r.Kind == "call" || r.Kind == "cast" {
			k.learn(str(r, "target"))
		}
	}
	return k
}

// unlive notes that a record is about call or cast id before its life starts, if it
// does (unlived).
func (t *Trace) unlive(id string) {
	if t.unlived == nil {
		t.unlived = map[string]bool{}
	}
	t.unlived[id] = true
}

func (t *Trace) addLane(n string) {
	if _, ok := t.lane[n]; ok || n == "" {
		return
	}
	t.lane[n] = len(t.lanes)
	t.lanes = append(t.lanes, n)
}

// index files record i under its message and its call.
func (t *Trace) index(i int) {
	r := &t.recs[i]
	t.addLane(r.Node)
	call := str(r, "call")
	if call == "-" {
		call = ""
	}
	if r.Kind == "send" {
		if to := str(r, "to"); to != "" {
			t.addLane(to)
		}
		m := &message{id: num(r, "msg"), send: i, from: r.Node, to: str(r, "to"), kind: str(r, "msg_kind"),
			call: call, inst: -1, dup: -1, lostAt: -1}
		if m.kind == "route" || m.kind == "cast" {
			m.inst = int(num(r, "inst"))
		}
		t.msgs = append(t.msgs, m)
		t.msgOf[m.id] = m
	}
	if m := t.msgOf[num(r, "msg")]; m != nil && has(r, "msg") {
		m.recs = append(m.recs, i)
		if r.Kind != "send" {
			m.step(i, r, t.recs[m.send].At)
		}
		if call == "" {
			call = m.call
		}
	}
	t.call[i] = call
	if call == "" {
		return
	}
	c := t.cals[call]
	if c == nil && r.Kind == "call" {
		c = &callLife{id: call, node: r.Node, target: str(r, "target"), request: call, start: i, complete: -1}
		if req := str(r, "request"); req != "" {
			c.request = req
		}
		c.ensemble = t.ens.of(c.target)
		t.cals[call] = c
		t.calls = append(t.calls, c)
	}
	if c == nil {
		// A record about a call whose start is not in the trace (or not yet): keep
		// it, without a life of its own.
		t.unlive(call)
		return
	}
	c.recs = append(c.recs, i)
	switch r.Kind {
	case "send":
		c.msgs = append(c.msgs, t.msgOf[num(r, "msg")])
	case "complete":
		if c.complete < 0 {
			c.complete = i
		}
	case "late":
		c.late = append(c.late, i)
		if m, j := t.lateHandOver(i); m != nil {
			m.late = true
			for _, cp := range m.copies { // the copy dropped, not every copy
				if cp.steps[len(cp.steps)-1] == j {
					cp.late = true
				}
			}
		}
	}
}

// lateHandOver returns the reply that late record i dropped, and the index of its
// hand-over: the caller drops a late reply as it is handed over, so the hand-over is
// a record just before, on the same node at the same time, naming the same call.
func (t *Trace) lateHandOver(i int) (*message, int) {
	r := &t.recs[i]
	for j := i - 1; j >= 0 && t.recs[j].At == r.At; j-- {
		h := &t.recs[j]
		if h.Kind == "handed" && h.Node == r.Node && isReply(str(h, "msg_kind")) && str(h, "call") == str(r, "call") {
			return t.msgOf[num(h, "msg")], j
		}
	}
	return nil, -1
}

// step adds record i, about m, to the copy it belongs to.
func (m *message) step(i int, r *sim.Record, sendAt time.Duration) {
	switch r.Kind {
	case "dup":
		m.dup = i
		return
	case "rule", "rule-armed":
		return // about the message, not a step on its way
	case "lost":
		if m.lostAtSender(r, sendAt) {
			m.lostAt = i
			return
		}
	}
	// A copy that waits for this step (a queued copy for its hand-over, a held one
	// for its release, ...) takes it; anything else is a new arrival.
	for _, c := range m.copies {
		if c.awaits(r) {
			c.steps = append(c.steps, i)
			c.last = r.Kind
			return
		}
	}
	m.copies = append(m.copies, &msgCopy{steps: []int{i}, last: r.Kind})
}

// lostAtSender reports whether a lost record is a loss at the sender: the network
// judges a send at once (loss, a rule, an unnoticed partition that drops), so such a
// loss comes at the send's own time, before any arrival. A partition met on arrival,
// or an instance that does not exist, loses a copy at the far end.
func (m *message) lostAtSender(r *sim.Record, sendAt time.Duration) bool {
	switch str(r, "reason") {
	case "loss", "rule":
		return true
	case "partition":
		return len(m.copies) == 0 && r.At == sendAt
	}
	return false
}

// awaits reports whether step r continues the copy: a queued copy is handed over
// next, or dies with its node (orphan, reason crash); a held or stalled one is
// released, or a stalled one lost at the heal of a cut its sender had noticed (lost,
// reason closed); a parked one (its host paused) is queued or handed at the resume,
// or shed or lost there (a mailbox full, an instance the node lacks), or dies with
// its node; and a released one arrives again.
func (c *msgCopy) awaits(r *sim.Record) bool {
	kind := r.Kind
	switch c.last {
	case "queued":
		return kind == "handed" || kind == "orphan" && str(r, "reason") == "crash"
	case "held", "stalled":
		return kind == "released" || c.last == "stalled" && kind == "lost" && str(r, "reason") == "closed"
	case "parked":
		return kind == "queued" || kind == "handed" || kind == "shed" || kind == "lost" && str(r, "reason") == "bad-instance" || kind == "orphan" && str(r, "reason") == "crash"
	case "released":
		return kind != "released"
	}
	return false
}

// ensembles is the names of the ensembles known to a trace, by which a peer written
// ens/member@node, where either name may hold a "/" ("kv/users/p1@n1"), is read.
type ensembles map[string]bool

// learn notes the ensemble that a call's or cast's target names, when it names one
// outright ("ens:kv/users"; a peer target names none of itself).
func (k ensembles) learn(target string) {
	if s, ok := strings.CutPrefix(target, "ens:"); ok {
		k[viaCut(s)] = true
	}
}

// viaCut returns an "ens:" target's ensemble: a client's call says through which
// member, " via N". The ensemble's name may hold a space; a node's may not.
func viaCut(s string) string {
	if i := strings.LastIndex(s, " via "); i >= 0 && !strings.Contains(s[i+len(" via "):], " ") {
		return s[:i]
	}
	return s
}

// of returns the ensemble a call target names: "ens:e1", "ens:e1 via n2" and
// "peer:e1/p1@n1" all name e1.
func (k ensembles) of(target string) string {
	if s, ok := strings.CutPrefix(target, "ens:"); ok {
		return viaCut(s)
	}
	if s, ok := strings.CutPrefix(target, "peer:"); ok {
		return k.ofPeer(s)
	}
	return ""
}

// ofPeer returns peer p's ensemble: the longest known ensemble that p starts with,
// followed by a "/"; with none known, p up to its first "/".
func (k ensembles) ofPeer(p string) string {
	for i := strings.LastIndexByte(p, '/'); i > 0; i = strings.LastIndexByte(p[:i], '/') {
		if k[p[:i]] {
			return p[:i]
		}
	}
	e, _, _ := strings.Cut(p, "/")
	return e
}

// ensembleOfRecord returns the ensemble record i is about, or "": a call's or a
// cast's records are about the ensemble it calls.
func (t *Trace) ensembleOfRecord(i int) string {
	if c := t.cals[t.call[i]]; c != nil {
		return c.ensemble
	}
	if c := t.castBy[t.cast[i]]; c != nil {
		if e := t.ens.of(c.target); e != "" {
			return e
		}
	}
	r := &t.recs[i]
	if e := str(r, "ens"); e != "" {
		return e
	}
	if p := str(r, "peer"); p != "" {
		return t.ens.ofPeer(p)
	}
	return ""
}

// Ensembles returns the ensembles the trace names, sorted.
func (t *Trace) Ensembles() []string {
	if t.whole != nil {
		return append([]string(nil), t.whole.Ensembles...)
	}
	seen := map[string]bool{}
	for i := range t.recs {
		if e := t.ensembleOfRecord(i); e != "" {
			seen[e] = true
		}
	}
	out := make([]string, 0, len(seen))
	for e := range seen {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// Len returns the number of records in the trace (the whole trace's, for a part).
func (t *Trace) Len() int {
	if t.whole != nil {
		return t.whole.Records
	}
	return len(t.recs)
}

// End returns the virtual time of the trace's last record (the whole trace's, for a
// part), or 0.
func (t *Trace) End() time.Duration { return t.end() }

// end returns the virtual time of the last record, or 0.
func (t *Trace) end() time.Duration {
	if t.whole != nil {
		return t.whole.End
	}
	if len(t.recs) == 0 {
		return 0
	}
	return t.recs[len(t.recs)-1].At
}

// attr returns the first attribute of r named key.
func attr(r *sim.Record, key string) (sim.Attr, bool) {
	for _, a := range r.Attrs {
		if a.Key == key {
			return a, true
		}
	}
	return sim.Attr{}, false
}

func has(r *sim.Record, key string) bool { _, ok := attr(r, key); return ok }

// str returns the string attribute key of r, or "".
func str(r *sim.Record, key string) string {
	if a, ok := attr(r, key); ok && !a.IsInt {
		return a.Str
	}
	return ""
}

// num returns the integer attribute key of r, or 0.
func num(r *sim.Record, key string) int64 {
	if a, ok := attr(r, key); ok && a.IsInt {
		return a.Int
	}
	return 0
}
