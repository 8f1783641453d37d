package nettransport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestSendRefusesWhatNoNodeReads: a message with a kind or a code that is none of
// router's, or an instance past what a decoder takes, is refused by Send
// (ErrBadMessage, naming the field), not sent: the other node would refuse it as a
// bad frame and close the whole connection, losing every message on it. The
// connection stays up and carries the next message.
func TestSendRefusesWhatNoNodeReads(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m    router.Message
		want string
	}{
		{router.Message{}, "kind 0"},
		{router.Message{Kind: 200}, "kind 200"},
		{router.Message{Kind: router.KindReply, Code: 200}, "code 200"},
		{router.Message{Kind: router.KindRoute, Instance: 1<<16 + 1}, "instance 65537"},
	} {
		err := n2.tr.Send("n1", &tc.m)
		if !errors.Is(err, nettransport.ErrBadMessage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Send(%+v): %v, want ErrBadMessage naming %q", tc.m, err, tc.want)
		}
	}
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return len(n1.rec.messages()) == 1 }, n1.rec) {
		t.Fatalf("n1 got %v, want the one good message", n1.rec.messages())
	}
	if !n2.tr.Connected("n1") {
		t.Fatal("the connection closed")
	}
}
