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
	addr := func(i int) net.Addr {
		ip := net.ParseIP("2001:db8::")
		ip[14], ip[15] = byte(i>>8), byte(i)
		return &net.TCPAddr{IP: ip, Port: 40000 + i}
	}
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
