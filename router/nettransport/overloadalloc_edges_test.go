package nettransport_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestRefusedSendAllocatesNothing: a send refused for a full queue is the node
// shedding load, and costs no allocation, its warning's bookkeeping included: a
// node that reads slower than it is sent to has its sends refused by the thousand,
// and each made garbage for the collector to take on top of the overload.
func TestRefusedSendAllocatesNothing(t *testing.T) {
	n2, big := fillQueue(t)
	refused := 0
	allocs := testing.AllocsPerRun(200, func() {
		if errors.Is(n2.tr.Send("n1", big), router.ErrOverloaded) {
			refused++
		}
	})
	if refused == 0 {
		t.Fatal("no send was refused: the queue drained")
	}
	if allocs != 0 {
		t.Fatalf("a send refused for a full queue allocates %v times, want 0", allocs)
	}
}
