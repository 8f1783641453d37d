package nettransport

import (
	"net"
	"testing"
	"time"
)

// TestRefusalBurstBounded: refusals from ever new hosts (a botnet, or the addresses
// of one IPv6 /64) are logged at their level at most refusalBurst times a
// refusalQuiet, the rest at debug (over the limit); the first logged at its level
// after them says how many went to debug; the budget comes back as the refusals
// logged at their level turn refusalQuiet old.
func TestRefusalBurstBounded(t *testing.T) {
	r := newRefusalLog()
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	addr := hostAddr
	logged := 0
	for i := range 1000 {
		_, quieted, log, over := r.noteAll(addr(i), "", "bad magic: garbage", t0.Add(time.Duration(i)*time.Millisecond))
		switch {
		case log:
			logged++
			if quieted != 0 {
				t.Fatalf("refusal %d: %d quieted, want none within the first window", i, quieted)
			}
		case !over:
			t.Fatalf("refusal %d, from a new host, went to debug as a repeat", i)
		}
	}
	if logged != refusalBurst {
		t.Fatalf("%d of 1000 refusals from new hosts logged at their level within a minute, want %d", logged, refusalBurst)
	}
	// A minute after the window began: logged again, saying how many went to debug.
	repeats, quieted, log, _ := r.noteAll(addr(5000), "", "bad magic: garbage", t0.Add(refusalQuiet))
	if !log || repeats != 0 || quieted != 1000-refusalBurst {
		t.Fatalf("the first refusal of the next window: log %v, repeats %d, quieted %d; want logged with %d quieted", log, repeats, quieted, 1000-refusalBurst)
	}
	if _, quieted, log, _ := r.noteAll(addr(5001), "", "bad magic: garbage", t0.Add(refusalQuiet+time.Second)); !log || quieted != 0 {
		t.Fatalf("the next: log %v, quieted %d; want logged, none quieted since the last", log, quieted)
	}
	// A repeat of a refusal logged lately stays a repeat, not over the limit.
	if _, _, log, over := r.noteAll(addr(5001), "", "bad magic: garbage", t0.Add(refusalQuiet+2*time.Second)); log || over {
		t.Fatalf("a repeat: log %v, over %v; want a quiet repeat", log, over)
	}
}

// TestRefusalBurstBoundsAnyMinute: the bound of refusals logged at their level holds
// for every span of refusalQuiet, not only for windows that start afresh each
// refusalQuiet. A stranger whose refusals fill the end of one such window and the
// start of the next got twice refusalBurst warnings within a second.
func TestRefusalBurstBoundsAnyMinute(t *testing.T) {
	r := newRefusalLog()
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	addr := hostAddr
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

// hostAddr is the address of the i-th of many hosts of one IPv6 network.
func hostAddr(i int) net.Addr {
	ip := net.ParseIP("2001:db8::")
	ip[13], ip[14], ip[15] = byte(i>>16), byte(i>>8), byte(i)
	return &net.TCPAddr{IP: ip, Port: 40000}
}
