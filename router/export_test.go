package router

import (
	"fmt"
	"reflect"
)

// EventLeftover reports an error naming the first field of the node's own Event, besides
// Node and Call, that is set between events, when it must be clean (see Node.event):
// the builder of the last event did not zero what it set.
func EventLeftover(n *Node) error {
	v := reflect.ValueOf(&n.ev).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name != "Node" && name != "Call" && !v.Field(i).IsZero() {
			return fmt.Errorf("node %s: its event holds %s %v between events", n.cfg.ID, name, v.Field(i))
		}
	}
	return nil
}

// DirectoryGet exposes Directory.get, the node's own lookup, to the package's external
// tests.
func DirectoryGet(d *Directory, e EnsembleID) (Entry, bool) {
	p := d.get(e)
	if p == nil {
		return Entry{}, false
	}
	return *p, true
}

// RouteView is a node's route to an ensemble (Node.route) as plain values.
type RouteView struct {
	Entry    Entry
	HasEntry bool
	To       string // none, here or there
	Peer     Peer
}

// Route returns node n's route to ens as routing finds it: the one n remembers, when it
// holds, or a new one.
func Route(n *Node, ens EnsembleID) RouteView { return viewRoute(n.route(ens)) }

// RememberedRoute returns the route to ens that node n remembers and would use as it
// is, without looking anything up, and true; or false if n remembers none.
func RememberedRoute(n *Node, ens EnsembleID) (RouteView, bool) {
	rt := &n.routes[routeSlot(ens)]
	if !n.holds(rt, ens) {
		return RouteView{}, false
	}
	return viewRoute(rt), true
}

func viewRoute(rt *route) RouteView {
	v := RouteView{HasEntry: rt.e != nil, To: [...]string{"none", "here", "there"}[rt.to], Peer: rt.p}
	if rt.e != nil {
		v.Entry = *rt.e
	}
	return v
}
