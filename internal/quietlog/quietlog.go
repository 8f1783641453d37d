// Package quietlog decides when a message that repeats is logged in full: the first
// of a kind at once, those alike within a quiet period after it at a lower level
// (or not at all), and the first after the period with the count of those since. A
// production node uses it so that a peer that retries a refused handshake, or an
// Accept that fails for want of file descriptors, cannot fill its log.
//
// It reads no clock: the caller passes the time of each message.
package quietlog

import (
	"sync"
	"time"
)

// Log remembers the kinds of message it was told of, by key. Its methods may be
// called from several goroutines.
type Log struct {
	quiet time.Duration
	keys  int

	mu   sync.Mutex
	seen map[string]*note
}

type note struct {
	logged   time.Time // when it was last logged in full
	repeats  int       // since, logged quietly
	lastSeen time.Time
}

// New returns a Log that keeps a kind quiet for quiet after it was logged in full,
// and remembers at most keys kinds (past them, the one seen least recently is
// forgotten, and logged in full when it comes again).
func New(quiet time.Duration, keys int) *Log {
	return &Log{quiet: quiet, keys: max(keys, 1), seen: map[string]*note{}}
}

// Note records a message of kind key at now. It reports whether to log it in full,
// and then how many alike came since it was last logged in full (those were quiet).
func (l *Log) Note(key string, now time.Time) (repeats int, full bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.seen[key]
	if n == nil {
		if len(l.seen) >= l.keys {
			l.forgetOldest()
		}
		l.seen[key] = &note{logged: now, lastSeen: now}
		return 0, true
	}
	n.lastSeen = now
	if now.Sub(n.logged) < l.quiet {
		n.repeats++
		return 0, false
	}
	repeats = n.repeats
	n.logged, n.repeats = now, 0
	return repeats, true
}

// Len is how many kinds the log remembers.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen)
}

// forgetOldest forgets the kind seen least recently (of two seen at once, the lesser
// key, so that which one goes does not depend on map order); l.mu is held.
func (l *Log) forgetOldest() {
	var oldest string
	var at time.Time
	first := true
	for k, n := range l.seen {
		if first || n.lastSeen.Before(at) || n.lastSeen.Equal(at) && k < oldest {
			oldest, at, first = k, n.lastSeen, false
		}
	}
	delete(l.seen, oldest)
}
