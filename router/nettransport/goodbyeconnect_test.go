package nettransport_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestConnectAfterGoodbye: after Goodbye no connection is made, and Connect says so
// at once instead of waiting for its context to end.
func TestConnectAfterGoodbye(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := n2.tr.Goodbye(context.Background()); err != nil {
		t.Fatalf("Goodbye with no connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := n2.tr.Connect(ctx, "n1")
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "leaving") {
		t.Fatalf("Connect after Goodbye: %v; want at once an error that says the node is leaving", err)
	}
}
