package netmodel

import (
	"github.com/ensroute/ensroute/router"
)

// Link is what one directed link between two nodes does to a message.
type Link struct {
	Latency Dist `json:"latency"`
	// Drop is the probability that a message is lost.
	Drop float64 `json:"drop,omitempty"`
	// Unordered lets messages overtake each other; by default a link is FIFO.
	Unordered bool `json:"unordered,omitempty"`
	// Dup is the probability that a message is delivered twice. The copy draws its own
	// latency and ignores FIFO order: it may arrive before or after the original.
	Dup float64 `json:"dup,omitempty"`
	// Reorder is the probability that one message ignores FIFO order on a link that
	// keeps it: it arrives after its own latency, neither waiting behind earlier
	// messages nor holding later ones back.
	Reorder float64 `json:"reorder,omitempty"`
}

// Validate reports the first bad field and changes nothing; like Dist.Validate, field
// prefixes the message and the error matches ErrBadConfig.
func (l Link) Validate(field string) error {
	if err := l.Latency.Validate(field + ".latency"); err != nil {
		return err
	}
	for _, p := range [...]struct {
		name string
		v    float64
	}{{"drop", l.Drop}, {"dup", l.Dup}, {"reorder", l.Reorder}} {
		if p.v < 0 || p.v > 1 || p.v != p.v {
			return badField("%s.%s: %v is not a probability in [0, 1]", field, p.name, p.v)
		}
	}
	return nil
}

type linkKey struct{ from, to router.NodeID }

// linkState is the per directed link bookkeeping.
type linkState struct {
	cfg *Link
	// latency is cfg.Latency prepared for drawing, and plain says that cfg has
	// neither Drop, Dup, Reorder nor Unordered: the link only draws a latency and
	// keeps FIFO order. Both are set with cfg (setCfg).
	latency sampler
	plain   bool
	// lastArrival keeps a FIFO link FIFO: no message arrives before an earlier one.
	lastArrival int64
	// blocked is set while a partition cuts the link; since is when it started and
	// mode what happens to messages that reach the cut.
	blocked bool
	since   int64
	mode    InFlight
	// held is set while Hold parks the messages that arrive over the link.
	held bool
	// downUntil is when the link's sender reconnects, after an outage it noticed
	// (reconnect.go): down (the largest time) while the outage lasts, a time ahead
	// while it redials, past once it is connected. redial is its dial loop.
	downUntil int64
	redial    redialState
}

// setCfg makes l what the link does.
func (ls *linkState) setCfg(l *Link) {
	ls.cfg = l
	ls.latency = l.Latency.sampler()
	ls.plain = l.Drop == 0 && l.Dup == 0 && l.Reorder == 0 && !l.Unordered
}
