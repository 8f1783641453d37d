package nettransport

import (
	"net"
	"testing"
	"time"
)

// TestRefusalBurstBoundsAnyMinute: the bound of refusals logged at their level holds
// for every span of refusalQuiet, not only for windows that start afresh each
// refusalQuiet. A stranger whose refusals fill the end of one such window and the
// start of the next got twice refusalBurst warnings within a second.
func TestRefusalBurstBoundsAnyMinute(t *testing.T) {
	r := newRefusalLog()
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	addr := func(i int) net.Addr {
		ip := net.ParseIP("2001:db8::")
		ip[13], ip[14], ip[15] = byte(i>>16), byte(i>>8), byte(i)
		return &net.TCPAddr{IP: ip, Port: 40000}
	}
	var at []time.Time // when refusals were logged at their level
	note := func(i int, now time.Time) {
		if _, _, log, _ := r.noteAll(addr(i), "", "bad magic: garbage", now); log {
			at = append(at, now)
		}
	}
	note(0, t0) // the first refusal in a long while
	// A flood from new hosts from just before a minute after it to a second past.
	for i := 1; i < 2000; i++ {
		note(i, t0.Add(refusalQuiet-time.Second+time.Duration(i)*time.Millisecond))
	}
	for i := range at {
		n := 0
		for _, a := range at[i:] {
			if a.Sub(at[i]) < refusalQuiet {
				n++
			}
		}
		if n > refusalBurst {
			t.Fatalf("%d refusals logged at their level within %v from %v, want at most %d", n, refusalQuiet, at[i].Sub(t0), refusalBurst)
		}
	}
	// The first, the rest of the budget within its minute, and one more as the
	// first turns a minute old.
	if len(at) != refusalBurst+1 {
		t.Fatalf("%d logged at their level, want %d", len(at), refusalBurst+1)
	}
	// A minute after the flood's warnings, the budget is back whole.
	last := t0.Add(refusalQuiet - time.Second + 2000*time.Millisecond)
	at = nil
	for i := range 100 {
		note(10000+i, last.Add(refusalQuiet+time.Duration(i)*time.Millisecond))
	}
	if len(at) != refusalBurst {
		t.Fatalf("%d logged at their level a minute later, want %d", len(at), refusalBurst)
	}
}
