package driver

import (
	"strconv"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestSendersBounded: a sender is reported new once; the set remembers the last
// maxSenders senders, so that it does not grow with every client that ever called,
// and one pushed out is new again.
func TestSendersBounded(t *testing.T) {
	var s senders
	id := func(i int) router.NodeID { return router.NodeID("ctl-" + strconv.Itoa(i)) }
	for i := range 3 * maxSenders {
		if !s.first(id(i)) {
			t.Fatalf("sender %d not new the first time", i)
		}
		if s.first(id(i)) {
			t.Fatalf("sender %d new a second time", i)
		}
		if len(s.seen) > maxSenders || len(s.order) > maxSenders {
			t.Fatalf("after %d senders: %d remembered (%d in order), want at most %d", i+1, len(s.seen), len(s.order), maxSenders)
		}
	}
	// The last maxSenders are remembered; the one before them was pushed out.
	for i := 2 * maxSenders; i < 3*maxSenders; i++ {
		if s.first(id(i)) {
			t.Fatalf("sender %d, among the last %d, reported new", i, maxSenders)
		}
	}
	if !s.first(id(2*maxSenders - 1)) {
		t.Fatalf("sender %d, pushed out, not new again", 2*maxSenders-1)
	}
}
