package router

import "fmt"

// Semantics chooses between the original router's behaviour and ensroute's.
type Semantics uint8

const (
	// Default is ensroute's behaviour: typed errors, remaining-budget propagation, a
	// hop limit, nack redirects, and errors answered back instead of dropped.
	Default Semantics = iota
	// Riak reproduces riak_ensemble_router: every failure is a timeout, a remote hop
	// without a leader drops the request silently, the leader hop restarts the clock
	// with the original timeout, and there is no hop limit. A follower's forward to no
	// leader or to itself is swallowed, and one made after the leader hop's worker
	// timed out still goes to the leader, as the original's follower does; the leader
	// answers a follower's forward to whoever called the follower, for a routed call
	// the leader hop's worker, which relays the answer to the caller (or has given up
	// and lets it drop), as the original's does. It departs from the original in these
	// places: casts reach the leader (the original's router drops them there), a
	// peer-target call and a follower's forward do not connect on demand, a
	// peer-target call does not watch its peer (the leader hop's worker does: RemovePeer
	// answers timeout for it at once, as the original's worker sees the peer die), a
	// peer target through a node is refused (the original ignores the node), a
	// timeout of 0 is refused (the original sends the event and answers timeout), a
	// send to a full queue of the production transport fails at once (the original's
	// sender waits), and a driver's bounded mailbox drops what does not fit
	// (Node.Shed; the original's mailbox has no bound).
	Riak
)

// String returns "default" or "riak".
func (s Semantics) String() string {
	switch s {
	case Default:
		return "default"
	case Riak:
		return "riak"
	}
	return fmt.Sprintf("semantics(%d)", uint8(s))
}

// ParseSemantics parses "default" or "riak".
func ParseSemantics(s string) (Semantics, error) {
	switch s {
	case "default", "":
		return Default, nil
	case "riak":
		return Riak, nil
	}
	return 0, fmt.Errorf("%w: semantics %q: want default or riak", ErrBadConfig, s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Semantics) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Semantics) UnmarshalText(b []byte) error {
	v, err := ParseSemantics(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
