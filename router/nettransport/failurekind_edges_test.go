package nettransport

import (
	"errors"
	"testing"
)

// TestFailureKindKeepsShortNumbers: two dial failures of one kind whose texts differ
// only in ports or incarnations are one kind, warned of once an outage; two that
// name different nodes (n4 answering at the address, then n5) are two, each warned
// of. Stripping every digit made n4 and n5 one kind.
func TestFailureKindKeepsShortNumbers(t *testing.T) {
	same := []error{
		errors.New("handshake with 127.0.0.1:7102 from 127.0.0.1:53422: incarnation 1765094400123456789 refused"),
		errors.New("handshake with 127.0.0.1:7102 from 127.0.0.1:53871: incarnation 1765094400987654321 refused"),
	}
	if a, b := failureKind(same[0]), failureKind(same[1]); a != b {
		t.Errorf("failures apart only in ports and incarnations are two kinds:\n%q\n%q", a, b)
	}
	n4 := errors.New("the node at this address is n4, want n2")
	n5 := errors.New("the node at this address is n5, want n2")
	if failureKind(n4) == failureKind(n5) {
		t.Errorf("failures naming n4 and n5 are one kind: %q", failureKind(n4))
	}
}
