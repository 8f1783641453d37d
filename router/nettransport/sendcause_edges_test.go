package nettransport_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestSendSaysWhyUnreachable: a transport with nothing attached (a program that
// forgot Attach), or closed, refuses a send with an error that matches
// router.ErrUnreachable and says which: a plain "node unreachable" sent the
// program looking at the network, for every call, for good.
func TestSendSaysWhyUnreachable(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	bare, err := nettransport.New(nettransport.Config{ID: "n2", Cluster: "test", Secret: []byte("secret-secret"),
		Peers: map[router.NodeID]string{"n1": n1.addr}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	m := &router.Message{Kind: router.KindRoute, Ensemble: "e1"}
	err = bare.Send("n1", m)
	if !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "nothing is attached") {
		t.Errorf("Send before Attach: %v, want ErrUnreachable saying nothing is attached", err)
	}
	_ = bare.Close()
	err = bare.Send("n1", m)
	if !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "transport is closed") {
		t.Errorf("Send after Close: %v, want ErrUnreachable saying the transport is closed", err)
	}
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	_ = n2.tr.Close()
	for _, m := range []*router.Message{m, {Kind: router.KindReply, Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 1}}} {
		err = n2.tr.Send("n1", m)
		if !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "transport is closed") {
			t.Errorf("Send(%v) after Close, to a node that was connected: %v, want ErrUnreachable saying the transport is closed", m, err)
		}
	}
}
