package nettransport_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestWithdrawnReplacementKeepsOrder: messages from one node to another arrive in
// the order they were sent (router.Transport) across the replacement of a connection
// whose proof was withdrawn, though the two connections are read at once for a
// while: the new one hands nothing over until the old one has handed over all the
// node sent on it. Each round, n2 sends numbered answers to n1 without pause while
// n1 drops and replaces their connection.
func TestWithdrawnReplacementKeepsOrder(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 3
	}
	late := 0
	for round := range rounds {
		old, next := oldSecret, nextSecret
		n1, n2 := rotatingPair(t, nil)
		if err := connect(t, n2, "n1"); err != nil {
			t.Fatal(err)
		}
		if !await(func() bool { return n1.tr.Stats().Connects == 1 }) {
			t.Fatal("n1 did not count the connection")
		}
		if err := n2.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
			t.Fatal(err)
		}
		stop, sent := make(chan struct{}), make(chan uint64, 1)
		go func() {
			seq := uint64(0)
			defer func() { sent <- seq }()
			body := make([]byte, 2000)
			for {
				select {
				case <-stop:
					return
				default:
				}
				seq++
				for n2.tr.Send("n1", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n1", Incarnation: 1, Seq: seq}, Result: body}) != nil {
					time.Sleep(10 * time.Microsecond) // a full queue: the same message again
				}
			}
		}()
		time.Sleep(20 * time.Millisecond)
		if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
			t.Fatal(err)
		}
		replaced := await(func() bool { return n1.tr.Stats().Disconnects == 1 && n2.tr.Stats().Disconnects == 1 })
		time.Sleep(20 * time.Millisecond)
		close(stop)
		total := <-sent
		if !replaced {
			t.Fatalf("round %d: not replaced; n1's log:\n%s", round, n1.log.String())
		}
		if !await(func() bool { return uint64(len(n1.rec.messages())) == total }, n1.rec) {
			t.Fatalf("round %d: %d of %d delivered", round, len(n1.rec.messages()), total)
		}
		var last uint64
		for _, m := range n1.rec.messages() {
			if m.Call.Seq < last {
				late++
				t.Errorf("round %d: answer %d arrived after %d", round, m.Call.Seq, last)
			}
			last = m.Call.Seq
		}
		_ = n1.tr.Close()
		_ = n2.tr.Close()
	}
	if late > 0 {
		t.Errorf("%d answers out of order in %d rounds", late, rounds)
	}
}
