package nettransport

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/ensroute/ensroute/internal/quietlog"
	"github.com/ensroute/ensroute/router"
)

// refusalLog keeps a node that refuses the same stranger over and over (a node with
// another secret redials every few seconds, for days) from logging a warning each
// time: a refusal is logged at its level the first time, and then once per
// refusalQuiet with the count of those in between (the rest at debug).
//
// A refusal is told apart by its host, and a stranger may have many (a botnet, or
// the 2^64 addresses of one IPv6 /64 network): each new host's first refusal would
// be a warning, one per connection. So at most refusalBurst refusals are logged at
// their level in any refusalQuiet, whatever their hosts; those past it go to debug,
// counted, and the next one logged at its level says how many there were.
type refusalLog struct {
	*quietlog.Log
	budget *refusalBudget
}

// refusalBudget remembers when the last refusalBurst refusals logged at their level
// were: one more is logged at its level only if the oldest of them is refusalQuiet
// old, so that no refusalQuiet, wherever it begins, holds more than refusalBurst. (A
// window that starts afresh each refusalQuiet let through twice as many in a minute
// across its turn: refusalBurst at the end of one window, refusalBurst at the start
// of the next.)
type refusalBudget struct {
	mu      sync.Mutex
	logged  [refusalBurst]time.Time // when refusals were logged at their level; zero: never
	next    int                     // the index of the oldest in logged, overwritten next
	quieted int                     // refusals past the budget, at debug, since one was last logged at its level
}

func newRefusalLog() refusalLog {
	return refusalLog{quietlog.New(refusalQuiet, refusalKeys), &refusalBudget{}}
}

// refusalQuiet is how long a refusal stays at debug after it was logged.
const refusalQuiet = time.Minute

// refusalKeys bounds the refusals remembered; past it the oldest-seen is forgotten.
const refusalKeys = 256

// refusalBurst bounds the refusals logged at their level in any refusalQuiet, over
// all hosts: far more than a cluster's own trouble gives (a few kinds from each
// member), and a bound on what strangers with many addresses can write.
const refusalBurst = 32

// note records a refusal of member from addr, of a kind (refusalKind), at now, and
// reports whether to log it at its level, with how many like it were logged at
// debug since the last time. member is "" for a client or a stranger.
func (r refusalLog) note(addr net.Addr, member router.NodeID, kind string, now time.Time) (repeats int, log bool) {
	repeats, _, log, _ = r.noteAll(addr, member, kind, now)
	return repeats, log
}

// noteAll is note that also says, for a refusal to log at its level, how many went
// to debug since the last one because refusalBurst were logged in the window
// (quieted); and for one to log at debug, whether that bound sent it there (over)
// rather than a refusal like it logged lately.
func (r refusalLog) noteAll(addr net.Addr, member router.NodeID, kind string, now time.Time) (repeats, quieted int, log, over bool) {
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok {
		host = ta.IP.String() // the port changes with each redial
	}
	repeats, log = r.Note(host+"\x00"+string(member)+"\x00"+kind, now)
	if !log {
		return repeats, 0, false, false
	}
	b := r.budget
	b.mu.Lock()
	defer b.mu.Unlock()
	if oldest := b.logged[b.next]; !oldest.IsZero() && now.Sub(oldest) < refusalQuiet {
		b.quieted++
		return 0, 0, false, true
	}
	b.logged[b.next] = now
	b.next = (b.next + 1) % refusalBurst
	quieted, b.quieted = b.quieted, 0
	return repeats, quieted, true, false
}

// quietedAttr is the attribute of a refusal logged at its level that says how many
// went to debug before it for want of room (refusalBurst): none when none did.
func quietedAttr(quieted int) []any {
	if quieted == 0 {
		return nil
	}
	return []any{"others_quieted", quieted}
}

// quietReason is the key that says why a refusal went to debug: a repeat of one
// logged lately, or one past refusalBurst (over).
func quietReason(over bool) string {
	if over {
		return "over_limit"
	}
	return "repeat"
}

// refusalKind is what refusalLog tells a refusal of id apart by, besides its host:
// the member refused, "" for anyone else (a client takes a new id at each run, and
// a stranger names any id it likes), and the refusal's code or, for one without a
// code, the kind of error it was. Never the error's text, which holds what the
// other side sent (its first bytes, its cluster name, its id) and the address's
// port: a stranger could make every refusal new, and fill the log.
func (t *Transport) refusalKind(id router.NodeID, code RefuseCode, err error) (member router.NodeID, kind string) {
	if _, ok := t.cfg.Peers[id]; ok {
		member = id
	}
	var tlsAlert tls.AlertError
	var tlsRecord tls.RecordHeaderError
	var magic *magicError
	switch {
	case code != 0:
		kind = "refused: " + code.String()
	case errors.As(err, &magic):
		kind = "bad magic: " + magic.kind
	case errors.Is(err, os.ErrDeadlineExceeded):
		kind = "timed out"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		kind = "closed"
	case errors.Is(err, syscall.ECONNRESET):
		kind = "reset"
	case errors.Is(err, ErrBadFrame):
		kind = "bad frame"
	case errors.As(err, &tlsAlert), errors.As(err, &tlsRecord):
		kind = "tls"
	default:
		kind = "other"
	}
	return member, kind
}
