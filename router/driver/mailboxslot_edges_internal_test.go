package driver

import (
	"testing"
	"unsafe"
)

// TestMailboxSlotBytes: a mailbox slot has the size MaxQueued's documentation and the
// README give (248 bytes on a 64-bit machine), which tells an operator what
// --mailbox times --routers allocates up front. A field added to router.Message
// changes it: the figure there changes with it.
func TestMailboxSlotBytes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the documented figure is a 64-bit machine's")
	}
	if got := unsafe.Sizeof(inbound{}); got != 248 {
		t.Fatalf("a mailbox slot has %d bytes; MaxQueued's documentation and the README say 248", got)
	}
}
