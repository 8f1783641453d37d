package driver_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestStopHeldPanics: a held that panics does not leave the node half stopped. The
// panic reaches Stop's caller, as held's own, once the transport has been flushed
// and closed (its goroutines end); a later Stop returns at once, with an error that
// says held panicked, rather than wait for a first Stop that will never end.
func TestStopHeldPanics(t *testing.T) {
	c := newCluster(t, true)
	c.add("n1", nil)
	n2 := c.add("n2", nil)
	c.connect("n1", "n2")
	var got any
	func() {
		defer func() { got = recover() }()
		_ = n2.Stop(context.Background(), func(context.Context) { panic("held broke") })
	}()
	if got != "held broke" {
		t.Fatalf("Stop's caller recovered %v, want held's panic", got)
	}
	if !c.trs["n2"].Closed() {
		t.Error("the transport is open after Stop's held panicked")
	}
	done := make(chan error, 1)
	go func() { done <- n2.Stop(context.Background(), nil) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "held broke") {
			t.Errorf("a Stop after one whose held panicked: %v; want an error naming the panic", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a Stop after one whose held panicked waits for it forever")
	}
}
