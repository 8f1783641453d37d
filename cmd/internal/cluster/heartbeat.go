package cluster

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// Heartbeat is failure detection and redial, as --heartbeat-interval,
// --heartbeat-timeout, --backoff-min and --backoff-max set them
// (nettransport.Config's HeartbeatInterval, HeartbeatTimeout, BackoffMin and
// BackoffMax): a node and a client alike.
type Heartbeat struct {
	Interval, Timeout      time.Duration
	BackoffMin, BackoffMax time.Duration
	// timeoutSet and backoffMaxSet: the flag was given; otherwise the timeout
	// follows the interval, and the longest wait the shortest, as the transport's
	// defaults do.
	timeoutSet, backoffMaxSet bool
}

// register adds the flags to fs.
func (h *Heartbeat) register(fs *flag.FlagSet) {
	DurationVar(fs, &h.Interval, "heartbeat-interval", nettransport.DefaultHeartbeatInterval,
		fmt.Sprintf("how often an idle connection sends a ping, %v to %v; below the --heartbeat-timeout of every node and client at the other end (the nodes warn of one that is not, and ensctl notes it)", nettransport.MinHeartbeatInterval, nettransport.MaxHeartbeatInterval))
	DurationVar(fs, &h.Timeout, "heartbeat-timeout", nettransport.DefaultHeartbeatTimeout,
		"how long a connection may receive nothing before it is closed as dead, and calls across it fail at once (unreachable) rather than wait out their deadline; longer than the --heartbeat-interval of this node and of every node and client at the other end; left out, twice --heartbeat-interval if that is longer than the default")
	DurationVar(fs, &h.BackoffMin, "backoff-min", nettransport.DefaultBackoffMin,
		"the first wait before redialing a node that cannot be reached; it doubles after each failure, with jitter, up to --backoff-max")
	DurationVar(fs, &h.BackoffMax, "backoff-max", nettransport.DefaultBackoffMax,
		fmt.Sprintf("the longest wait between two dials of a node that cannot be reached, at most %v; left out, --backoff-min if that is longer than the default", nettransport.MaxBackoff))
}

// resolve fills in the timeout and the longest wait the flags left out, from the
// others (set: the flags given), as the transport's defaults do.
func (h *Heartbeat) resolve(set map[string]bool) {
	h.timeoutSet, h.backoffMaxSet = set["heartbeat-timeout"], set["backoff-max"]
	if !h.timeoutSet {
		// Twice the interval: one past its bound (which check names) is taken as the
		// bound here, so that the doubling does not overflow.
		h.Timeout = max(nettransport.DefaultHeartbeatTimeout, 2*min(h.Interval, nettransport.MaxHeartbeatInterval))
	}
	if !h.backoffMaxSet {
		h.BackoffMax = max(nettransport.DefaultBackoffMax, h.BackoffMin)
	}
}

// check names the first flag whose value the transport would refuse, and the bound.
func (h *Heartbeat) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
	}
	switch {
	case h.Interval < nettransport.MinHeartbeatInterval:
		return bad("--heartbeat-interval %v: want at least %v (an idle connection pings every interval)", h.Interval, nettransport.MinHeartbeatInterval)
	case h.Interval > nettransport.MaxHeartbeatInterval:
		return bad("--heartbeat-interval %v: want at most %v (a dead peer is noticed within --heartbeat-timeout, which must be above it)", h.Interval, nettransport.MaxHeartbeatInterval)
	case h.Timeout <= h.Interval:
		return bad("--heartbeat-timeout %v: want more than --heartbeat-interval %v (a connection would be closed between two pings), and more than the interval of every node and client that connects", h.Timeout, h.Interval)
	case h.BackoffMin <= 0:
		return bad("--backoff-min %v: want a positive duration", h.BackoffMin)
	case h.BackoffMin > nettransport.MaxBackoff:
		return bad("--backoff-min %v: want at most %v", h.BackoffMin, nettransport.MaxBackoff)
	case h.BackoffMax > nettransport.MaxBackoff:
		return bad("--backoff-max %v: want at most %v", h.BackoffMax, nettransport.MaxBackoff)
	case h.BackoffMax < h.BackoffMin:
		return bad("--backoff-max %v: want at least --backoff-min %v", h.BackoffMax, h.BackoffMin)
	}
	return nil
}

// apply sets them on cfg.
func (h *Heartbeat) apply(cfg *nettransport.Config) {
	cfg.HeartbeatInterval, cfg.HeartbeatTimeout = h.Interval, h.Timeout
	cfg.BackoffMin, cfg.BackoffMax = h.BackoffMin, h.BackoffMax
}

// heartbeatKey is the key of Settings that states a node's heartbeat, as
// "INTERVAL TIMEOUT": not compared for equality (DiffSettings leaves it out), since
// nodes and clients may each have their own, but for a ping interval that another
// node's timeout does not outlast (PingProblem).
const heartbeatKey = "heartbeat"

// PingProblem says what goes wrong when a node whose settings are ours connects to
// one whose settings are theirs, of node id (a member or a client), with heartbeats
// that do not fit: either side's idle connection is closed as dead when the other's
// ping interval is not below its heartbeat timeout, and redialed, over and over, and
// calls across it fail meanwhile. A node or client of a release before the heartbeat
// flags states its configuration without a heartbeat: it runs the transport's
// default (a ping every 500ms, a timeout of 3s), which is what its side is taken to
// be, so that a rolling upgrade that changes the heartbeat is warned of too. "" when
// they fit, or when either side's settings are not this package's (no "peers" line:
// a program of its own over the transport). self names this side in the message
// ("this node", "this client").
func PingProblem(id string, ours, theirs []byte, self string) string {
	oi, ot, ok1, _ := statedHeartbeat(ours)
	ti, tt, ok2, earlier := statedHeartbeat(theirs)
	if !ok1 || !ok2 {
		return ""
	}
	interval, timeout := "its --heartbeat-interval", "its --heartbeat-timeout"
	if earlier {
		interval = "the default of a release before --heartbeat-interval: it states no heartbeat"
		timeout = "the default of a release before --heartbeat-timeout: it states no heartbeat"
	}
	var out []string
	if ti >= ot {
		out = append(out, fmt.Sprintf("%s pings every %v (%s) when idle, and %s closes a connection silent for %v (its --heartbeat-timeout): %s drops %s's idle connection as dead",
			id, ti, interval, self, ot, self, id))
	}
	if oi >= tt {
		out = append(out, fmt.Sprintf("%s pings every %v (its --heartbeat-interval) when idle, and %s closes a connection silent for %v (%s): %s drops %s's idle connection as dead",
			self, oi, id, tt, timeout, id, self))
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "; ") + "; give every node and client a --heartbeat-interval below the --heartbeat-timeout of each node and client it connects to"
}

// statedHeartbeat reads the interval and timeout settings state, if they do. Settings
// of this package's that state none (a "peers" line, and no heartbeat) are of a
// release before the heartbeat flags, which runs the transport's defaults: those are
// returned, with earlier set.
func statedHeartbeat(settings []byte) (interval, timeout time.Duration, ok, earlier bool) {
	ours := false
	for _, line := range strings.Split(string(settings), "\n") {
		ours = ours || strings.HasPrefix(line, "peers=")
		v, found := strings.CutPrefix(line, heartbeatKey+"=")
		if !found {
			continue
		}
		a, b, two := strings.Cut(v, " ")
		i, err1 := time.ParseDuration(a)
		t, err2 := time.ParseDuration(b)
		if !two || err1 != nil || err2 != nil {
			return 0, 0, false, false
		}
		return i, t, true, false
	}
	if ours {
		return nettransport.DefaultHeartbeatInterval, nettransport.DefaultHeartbeatTimeout, true, true
	}
	return 0, 0, false, false
}
