package routertest

import (
	"fmt"
	"reflect"

	"github.com/ensroute/ensroute/router"
)

// messageFields names the fields of router.Message each kind uses besides Kind and From,
// as router.Message documents them.
var messageFields = map[router.Kind][]string{
	router.KindRoute:  {"Instance", "Call", "Ensemble", "Event", "Budget", "Hops"},
	router.KindCast:   {"Instance", "Call", "Ensemble", "Event", "Budget", "Hops"},
	router.KindPeer:   {"Call", "Ensemble", "Peer", "Forwarded", "Event", "Budget", "Hops", "Worker"},
	router.KindReply:  {"Call", "Code", "Result", "Peer", "Hops", "Worker"},
	router.KindGossip: {"Entries"},
}

// CheckMessage reports an error naming the first field of m that is set although m's
// kind does not use it (router.Message promises such fields are zero), or that breaks
// what a node's messages keep to: a KindPeer message's Ensemble is its Peer's, and a
// reply carries a Result only with CodeOK.
func CheckMessage(m *router.Message) error {
	uses, ok := messageFields[m.Kind]
	if !ok {
		return fmt.Errorf("message of unknown kind %d", m.Kind)
	}
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "Kind" || name == "From" || contains(uses, name) {
			continue
		}
		if !v.Field(i).IsZero() {
			return fmt.Errorf("%s message has %s set: %v", m.Kind, name, v.Field(i))
		}
	}
	switch {
	case m.Kind == router.KindPeer && m.Ensemble != m.Peer.Ensemble:
		return fmt.Errorf("peer message for %s has Ensemble %s", m.Peer, m.Ensemble)
	case m.Kind == router.KindReply && m.Code != router.CodeOK && m.Result != nil:
		return fmt.Errorf("%s reply has Result %q", m.Code, m.Result)
	}
	return nil
}

// Scribble overwrites every field of m that m's kind uses, but From, with a value no
// message of the node's would hold: Env's tracer does it to each message the node sent,
// once it is traced, so that a field the node's next message fails to set shows up in
// that message instead of passing for its right value.
func Scribble(m *router.Message) {
	v := reflect.ValueOf(m).Elem()
	for _, name := range messageFields[m.Kind] {
		switch name {
		case "Instance":
			m.Instance = 1 << 20
		case "Call":
			m.Call = router.CallID{Node: "stale", Incarnation: 99, Seq: 99}
		case "Ensemble":
			m.Ensemble = "stale"
		case "Peer":
			m.Peer = router.PeerRef{Ensemble: "stale", Name: "stale", Node: "stale"}
		case "Forwarded":
			m.Forwarded = !m.Forwarded
		case "Event":
			m.Event = []byte("stale")
		case "Result":
			m.Result = []byte("stale")
		case "Code":
			m.Code = router.CodeOK // with Result set: a stale Result on an error reply fails CheckMessage, and a stale OK shows
		case "Budget":
			m.Budget = 12345
		case "Hops":
			m.Hops = 99
		case "Worker":
			m.Worker = 99
		case "Entries":
			m.Entries = []router.Entry{{Ensemble: "stale", Version: 99}}
		default:
			panic("routertest: Scribble does not know Message." + name)
		}
		if name != "Forwarded" && name != "Code" && v.FieldByName(name).IsZero() { // Forwarded is flipped, Code OK
			panic("routertest: Scribble left Message." + name + " zero")
		}
	}
}
