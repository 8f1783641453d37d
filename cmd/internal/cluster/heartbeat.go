package cluster

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/ensroute/ensroute/internal/duration"
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

// resolve fills in the timeout and the longest wait the flags (and the config file)
// left out, from the others (set: the settings given, by their flags' names), as the
// transport's defaults do.
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

// check names the first setting whose value the transport would refuse, and the
// bound. name names a setting by its flag ("heartbeat-interval"): the flag, or the
// config file and its key when the file gave the value (Options.name).
func (h *Heartbeat) check(name func(flag string) string) error {
	return h.checkKnown(name, func(string) bool { return true })
}

// checkKnown is check of the settings known says are given: a bound between two
// settings is checked only when both are (a config file's values on their own, the
// others left to the flags that may give them).
func (h *Heartbeat) checkKnown(name func(flag string) string, known func(flag string) bool) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
	}
	// ref names the setting of flag, and its value v, in the error about subject's:
	// the key alone when both are the config file's, "KEY V of --config FILE" when
	// only it is.
	ref := func(subject, flag string, v time.Duration) string {
		r := name(flag)
		file, key, fromFile := strings.Cut(r, ": ")
		switch {
		case !fromFile:
			return fmt.Sprintf("%s %v", r, v)
		case strings.HasPrefix(name(subject), file+": "):
			return fmt.Sprintf("%s %v", key, v)
		}
		return fmt.Sprintf("%s %v of %s", key, v, file)
	}
	interval, timeout := known("heartbeat-interval"), known("heartbeat-timeout")
	bmin, bmax := known("backoff-min"), known("backoff-max")
	switch {
	case interval && h.Interval < nettransport.MinHeartbeatInterval:
		return bad("%s %v: want at least %v (an idle connection pings every interval)", name("heartbeat-interval"), h.Interval, nettransport.MinHeartbeatInterval)
	case interval && h.Interval > nettransport.MaxHeartbeatInterval:
		return bad("%s %v: want at most %v (a dead peer is noticed within --heartbeat-timeout, which must be above it)", name("heartbeat-interval"), h.Interval, nettransport.MaxHeartbeatInterval)
	case interval && timeout && h.Timeout <= h.Interval:
		return bad("%s %v: want more than %s (a connection would be closed between two pings), and more than the interval of every node and client that connects", name("heartbeat-timeout"), h.Timeout, ref("heartbeat-timeout", "heartbeat-interval", h.Interval))
	case bmin && h.BackoffMin <= 0:
		return bad("%s %v: want a positive duration", name("backoff-min"), h.BackoffMin)
	case bmin && h.BackoffMin > nettransport.MaxBackoff:
		return bad("%s %v: want at most %v", name("backoff-min"), h.BackoffMin, nettransport.MaxBackoff)
	case bmax && h.BackoffMax > nettransport.MaxBackoff:
		return bad("%s %v: want at most %v", name("backoff-max"), h.BackoffMax, nettransport.MaxBackoff)
	case bmin && bmax && h.BackoffMax < h.BackoffMin:
		return bad("%s %v: want at least %s", name("backoff-max"), h.BackoffMax, ref("backoff-max", "backoff-min", h.BackoffMin))
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
		// As the flags read them: exactly, so that an interval and a timeout
		// written alike compare equal.
		i, err1 := duration.Parse(a)
		t, err2 := duration.Parse(b)
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

// ConfigDuration is a duration as a config file writes it, as text ("500ms", "2s"),
// read as the duration flags read theirs.
type ConfigDuration time.Duration

// UnmarshalText reads time.Duration's notation, refusing anything else with the
// duration flags' error.
func (d *ConfigDuration) UnmarshalText(b []byte) error {
	var v time.Duration
	if err := (durationValue{&v}).Set(string(b)); err != nil {
		return fmt.Errorf("%q: %w", b, err)
	}
	*d = ConfigDuration(v)
	return nil
}

// MarshalText writes d in time.Duration's notation.
func (d ConfigDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// heartbeatKeys are the heartbeat flags a config file gives as keys of its own: each
// flag, its key, and the file's value of it.
func heartbeatKeys(s *Shape) []struct {
	flag, key string
	v         *ConfigDuration
} {
	return []struct {
		flag, key string
		v         *ConfigDuration
	}{
		{"heartbeat-interval", "heartbeat_interval", s.HeartbeatInterval},
		{"heartbeat-timeout", "heartbeat_timeout", s.HeartbeatTimeout},
		{"backoff-min", "backoff_min", s.BackoffMin},
		{"backoff-max", "backoff_max", s.BackoffMax},
	}
}

// heartbeatOf returns the heartbeat in force with config file s (nil for none): the
// flags' values, the file's for each flag not given, and the timeout and longest
// wait that neither gives filled in from the others (resolve).
func (o *Options) heartbeatOf(s *Shape) Heartbeat {
	h := o.flagHeartbeat
	set := map[string]bool{}
	for _, k := range heartbeatKeys(&Shape{}) {
		set[k.flag] = o.flagsSet[k.flag]
	}
	if s != nil {
		vals := []*time.Duration{&h.Interval, &h.Timeout, &h.BackoffMin, &h.BackoffMax}
		for i, k := range heartbeatKeys(s) {
			if k.v != nil && !set[k.flag] {
				*vals[i], set[k.flag] = time.Duration(*k.v), true
			}
		}
	}
	h.resolve(set)
	return h
}

// checkFileHeartbeat checks the heartbeat values config file s gives, on their own
// (a bound between two of them only when it gives both), named as the file's keys.
func (o *Options) checkFileHeartbeat(s *Shape) error {
	var h Heartbeat
	vals := []*time.Duration{&h.Interval, &h.Timeout, &h.BackoffMin, &h.BackoffMax}
	given := map[string]bool{}
	for i, k := range heartbeatKeys(s) {
		if k.v != nil {
			*vals[i], given[k.flag] = time.Duration(*k.v), true
		}
	}
	name := func(flag string) string {
		if !given[flag] {
			return "--" + flag
		}
		return fmt.Sprintf("--config %s: %s", o.ConfigFile, configKey(flag))
	}
	return h.checkKnown(name, func(flag string) bool { return given[flag] })
}
