package nettransport

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// handshakeBound holds the handshakes in progress on one of Serve's listeners, or on
// the connections handed to Accept (Transport.accepted).
type handshakeBound struct {
	where string // "on this listener", for the log

	mu         sync.Mutex
	inProgress []*limitedHandshake // oldest first
	evicting   bool                // ending handshakes since the last one let in without: warned of once
	endedAt    time.Time           // when an ended handshake was last warned of
}

// limitedHandshake is a handshake in progress in a handshakeBound.
type limitedHandshake struct {
	nc    net.Conn
	bound *handshakeBound
	// helloAt is when the dialer's hello came and was answered with a challenge (ns
	// since epoch; 0: not yet): the dialer speaks the protocol, knows the cluster's
	// name, and its next step waits on its own side, for handshakeAnsweredFor at most
	// (a stranger that knows the name and holds its handshake there ranks as one
	// that sent something after that, so that a few cannot hold the bound's slots).
	helloAt atomic.Int64
	// sent is set once bytes from the other side were read (TLS records included):
	// a handshake that has read what came is not a silent one.
	sent atomic.Bool
}

// sentConn notes in sent that bytes came from the other side of its connection.
type sentConn struct {
	net.Conn
	sent *atomic.Bool
}

func (s *sentConn) Read(b []byte) (int, error) {
	n, err := s.Conn.Read(b)
	if n > 0 && !s.sent.Load() {
		s.sent.Store(true)
	}
	return n, err
}

// add records nc's handshake and, if max were in progress already, takes one out and
// returns it for the caller to end: the oldest of those whose other side has sent
// nothing yet, else the oldest of those whose hello has not been answered in the
// last handshakeAnsweredFor, else the oldest of all. A dialer of the cluster sends its hello at once, so strangers who
// connect and say nothing are ended before it, even while its hello waits to be
// read; were the oldest ended whatever it had done, a flood of them would end the
// handshake of a dialer whose hello waited behind the flood's connections, or whose
// process was slow to answer the challenge (a client starting on a busy machine),
// once a few dozen connections had come meanwhile.
//
// warn says whether to warn of the one ended: the first of a run, at most once a
// handshakeLimitQuiet (a stranger that opens one more connection than the bound,
// closes them and starts again makes a run each time).
func (b *handshakeBound) add(nc net.Conn, max int) (hs, ended *limitedHandshake, warn bool) {
	hs = &limitedHandshake{nc: nc, bound: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	defer func() { b.evicting = ended != nil }()
	if len(b.inProgress) >= max {
		i, least, now := 0, handshakeAnswered, time.Now().UnixNano()
		for j, h := range b.inProgress {
			if p := h.progress(now); p < least {
				i, least = j, p
				if p == handshakeSilent {
					break
				}
			}
		}
		ended = b.inProgress[i]
		b.inProgress = slices.Delete(b.inProgress, i, i+1)
		if warn = !b.evicting && (b.endedAt.IsZero() || time.Since(b.endedAt) >= handshakeLimitQuiet); warn {
			b.endedAt = time.Now()
		}
	}
	b.inProgress = append(b.inProgress, hs)
	return hs, ended, warn
}

// bounded records nc's handshake in b, ending the least advanced of those in
// progress there if Config.MaxHandshakes were already, and returns nc's place in b.
func (t *Transport) bounded(b *handshakeBound, nc net.Conn) *limitedHandshake {
	hs, oldest, warn := b.add(nc, t.cfg.MaxHandshakes)
	if oldest != nil {
		t.endOldestHandshake(b, oldest, warn)
	}
	return hs
}

// How far a handshake in progress has come, for the bound to end the least advanced.
const (
	handshakeSilent   = iota // nothing came from the other side
	handshakeSent            // bytes came, not yet a hello answered
	handshakeAnswered        // its hello came and was answered with a challenge, within handshakeAnsweredFor
)

// handshakeAnsweredFor is how long after its hello was answered a handshake ranks
// above those that only sent something: a dialer of the cluster answers the
// challenge within a round trip and a hash, a client on a busy machine within
// hundreds of milliseconds.
const handshakeAnsweredFor = time.Second

// progress says how far hs has come at now (ns since epoch).
func (hs *limitedHandshake) progress(now int64) int {
	at := hs.helloAt.Load()
	switch {
	case at != 0 && now-at < int64(handshakeAnsweredFor):
		return handshakeAnswered
	case at != 0:
		return handshakeSent
	case hs.sent.Load(), unread(hs.nc):
		return handshakeSent
	}
	return handshakeSilent
}

// finish takes hs out of its bound once its handshake is over. It reports false
// if the bound took it out first, to end it: its connection is closed or about to be.
func (hs *limitedHandshake) finish() bool {
	b := hs.bound
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.Index(b.inProgress, hs)
	if i < 0 {
		return false
	}
	b.inProgress = slices.Delete(b.inProgress, i, i+1)
	return true
}

// endOldestHandshake closes hs, the oldest handshake in progress in b, which has
// Config.MaxHandshakes of them and has just taken one more; its handshake fails at
// once. It is counted, and logged: as a warning if warn (the first of a run, at most
// once a handshakeLimitQuiet), else at debug.
func (t *Transport) endOldestHandshake(b *handshakeBound, hs *limitedHandshake, warn bool) {
	t.stats.handshakeLimit.Add(1)
	_ = hs.nc.Close()
	level := slog.LevelDebug
	if warn {
		level = slog.LevelWarn
	}
	t.log.Log(t.ctx, level, "ended a handshake", "remote_addr", hs.nc.RemoteAddr().String(),
		"reason", fmt.Sprintf("%d handshakes in progress %s, the limit (MaxHandshakes), and another connection came: the oldest of those that sent the least ends (warned of once a minute at most; Stats.HandshakeLimit counts each)", t.cfg.MaxHandshakes, b.where))
}

// handshakeLimitQuiet is the least time between two warnings of handshakes ended by
// the bound.
const handshakeLimitQuiet = time.Minute
