package router

import "github.com/ensroute/ensroute/internal/bugs"

// route is what a node remembers of routing to one ensemble (Node.routes): the
// directory's entry, whether its leader lives on this node, and then the local peer it
// names. Routing asks the three for every request it routes, and asking each of them
// on its own was a map lookup or a comparison of names each time.
//
// A route holds while the directory has not changed since it was made (gen) and the
// node's peers have not changed (AddPeer and RemovePeer forget every route). The entry
// is the directory's (see Directory.get): the route is read before the directory next
// changes and never written through.
type route struct {
	// ens is the name the route was asked for: the caller's string, not the entry's. A
	// node asks with the same few strings over and over, and a string compared with
	// itself is equal at once, where two copies of a name are compared byte by byte.
	ens EnsembleID
	e   *Entry // the directory's entry; nil for none
	// gen is one more than the directory's gen when the route was made; zero in a place
	// that holds no route, which no directory's gen matches.
	gen uint64
	// to is where requests go: nowhere (the ensemble has no leader, or no entry), here
	// or to the leader's node.
	to routeTarget
	p  Peer // the local peer e.Leader names, for to == routeHere; nil if there is none
}

// routeTarget is where a route sends requests.
type routeTarget uint8

const (
	routeNone  routeTarget = iota // no entry or no leader: routing fails
	routeHere                     // the leader lives on this node
	routeThere                    // the leader lives on another node
)

// route returns what routing to ensemble ens needs. The route is the node's: the
// caller reads it before anything changes the directory or the node's peers, or looks
// up another route, and never writes it. Routing's two hot paths, Call and routeAt,
// write it out (it is too large to be inlined, and a call per request costs more than
// the lookup when the node remembers the route).
func (n *Node) route(ens EnsembleID) *route {
	rt := &n.routes[routeSlot(ens)]
	if !n.holds(rt, ens) {
		n.makeRoute(rt, ens)
	}
	return rt
}

// holds reports whether rt, the place of ens among the node's routes, holds the route
// to ens as it still is.
func (n *Node) holds(rt *route, ens EnsembleID) bool {
	return rt.gen == n.dir.gen+1 && rt.ens == ens
}

// makeRoute makes the route to ens in rt, its place: route's lookups, for a route the
// node does not remember.
func (n *Node) makeRoute(rt *route, ens EnsembleID) {
	if n.cfg.Bugs.Has(bugs.SharedRoute) && n.shareRoute(rt, ens) {
		return
	}
	e := n.dir.get(ens)
	rt.ens, rt.e, rt.gen, rt.p = ens, e, n.dir.gen+1, nil
	switch {
	case e == nil || e.Leader.empty():
		rt.to = routeNone
	case n.isSelf(e.Leader.Node):
		rt.to = routeHere
		rt.p = n.peer(&e.Leader)
	default:
		rt.to = routeThere
	}
}

// shareRoute is the SharedRoute bug: it makes the route to ens in rt a copy of a
// current route to another ensemble whose name has the same length, if there is one.
func (n *Node) shareRoute(rt *route, ens EnsembleID) bool {
	for i := range n.routes {
		if o := &n.routes[i]; o != rt && o.gen == n.dir.gen+1 && o.ens != ens && len(o.ens) == len(ens) {
			*rt = *o
			rt.ens = ens
			return true
		}
	}
	return false
}

// forgetRoutes forgets every route: what they depend on changed.
func (n *Node) forgetRoutes() { n.routes = [routeSlots]route{} }

// routeSlots is how many routes a node remembers (Node.routes), a power of two.
const routeSlots = 8

// routeSlot is the place of ensemble e in Node.routes: by its name's length and last
// byte, which is cheap and tells apart the names a node uses most (e1, e2, ...).
func routeSlot(e EnsembleID) int {
	h := len(e)
	if h > 0 {
		h += int(e[h-1])
	}
	return h & (routeSlots - 1)
}
