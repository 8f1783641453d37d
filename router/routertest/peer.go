package routertest

import (
	"fmt"

	"github.com/ensroute/ensroute/router"
)

// Mode is how a scripted peer behaves.
type Mode struct {
	Ref router.PeerRef
	// Role is "leader" (reply at once with "<event>@<name>"), "follower" (forward once
	// to Leader), "election" (nack), or "hang" (hold the request until the test
	// answers it with Answer).
	Role   string
	Leader router.PeerRef
}

// SetPeer places a scripted peer on its node (replacing one of the same name).
func (e *Env) SetPeer(m Mode) error {
	nd, ok := e.nodes[m.Ref.Node]
	if !ok {
		return fmt.Errorf("unknown node %s", m.Ref.Node)
	}
	switch m.Role {
	case "leader", "follower", "election", "hang":
	default:
		return fmt.Errorf("unknown role %q: want leader, follower, election or hang", m.Role)
	}
	mm := m
	nd.peers[m.Ref.Ensemble.String()+"/"+m.Ref.Name] = &mm
	return e.attach(nd, m.Ref)
}

func (e *Env) attach(nd *node, ref router.PeerRef) error {
	mode := nd.peers[ref.Ensemble.String()+"/"+ref.Name]
	return nd.n.AddPeer(ref, router.PeerFunc(func(r *router.Request) {
		switch mode.Role {
		case "leader":
			r.Reply([]byte(fmt.Sprintf("%s@%s", r.Event(), ref.Name)))
		case "follower":
			if r.Forwarded() {
				r.Nack()
				return
			}
			r.Forward(mode.Leader)
		case "election":
			r.Nack()
		case "hang":
			e.held = append(e.held, &Held{ID: e.nextID, Req: r})
			e.logf("held #%d at %s call=%s", e.nextID, ref, r.Call())
			e.nextID++
		}
	}))
}

// RemovePeer takes a peer off its node.
func (e *Env) RemovePeer(ref router.PeerRef) error {
	nd, ok := e.nodes[ref.Node]
	if !ok {
		return fmt.Errorf("unknown node %s", ref.Node)
	}
	delete(nd.peers, ref.Ensemble.String()+"/"+ref.Name)
	nd.n.RemovePeer(ref)
	return nil
}

// Answer answers held request id: "reply:<value>", "nack", or "forward:<peer>". A
// request answered already may be answered again, as a peer may (the router must
// ignore it); the log says "again".
func (e *Env) Answer(id int, how string, value string, to router.PeerRef) error {
	switch how {
	case "reply", "nack", "forward":
	default:
		return fmt.Errorf("unknown answer %q: want reply, nack or forward", how)
	}
	var h *Held
	again := ""
	for i, x := range e.held {
		if x.ID == id {
			h = x
			e.held = append(e.held[:i], e.held[i+1:]...)
			e.answered = append(e.answered, h)
			break
		}
	}
	for _, x := range e.answered {
		if h == nil && x.ID == id {
			h, again = x, " (again)"
		}
	}
	if h != nil {
		e.logf("answer #%d %s%s", id, how, again)
		switch how {
		case "reply":
			h.Req.Reply([]byte(value))
		case "nack":
			h.Req.Nack()
		case "forward":
			h.Req.Forward(to)
		}
		return nil
	}
	return fmt.Errorf("no held request #%d", id)
}
