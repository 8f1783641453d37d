package nettransport_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestSendRefusesNilMessage: a nil message is refused as one no node would read,
// naming it, to a node connected or not, rather than crashing the caller on its
// first field.
func TestSendRefusesNilMessage(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := n2.tr.Send("n1", nil); !errors.Is(err, nettransport.ErrBadMessage) {
		t.Errorf("Send(nil) to a node not connected: %v, want ErrBadMessage", err)
	}
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	err := n2.tr.Send("n1", nil)
	if !errors.Is(err, nettransport.ErrBadMessage) {
		t.Errorf("Send(nil) to a node connected: %v, want ErrBadMessage", err)
	}
	t.Log(err)
}
