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
}

// Validate reports the first bad field and changes nothing; like Dist.Validate, field
// prefixes the message and the error matches ErrBadConfig.
func (l Link) Validate(field string) error {
	if err := l.Latency.Validate(field + ".latency"); err != nil {
		return err
	}
	if l.Drop < 0 || l.Drop > 1 || l.Drop != l.Drop {
		return badField("%s.drop: %v is not a probability in [0, 1]", field, l.Drop)
	}
	return nil
}

type linkKey struct{ from, to router.NodeID }

// linkState is the per directed link bookkeeping.
type linkState struct {
	cfg *Link
	// lastArrival keeps a FIFO link FIFO: no message arrives before an earlier one.
	lastArrival int64
	// blocked is set while a partition cuts the link; since is when it started.
	blocked bool
	since   int64
}
