package nettransport

import (
	"testing"
)

// TestEstablishedReadBufferSmallerThanHandshakes: a Config.ReadBuffer smaller than
// the handshake's buffer is the established connection's read buffer all the same,
// as it was before the handshake read through a buffer of its own: a node that keeps
// many connections with a small one kept a handshake frame's room for each instead.
// The frames that came with the last handshake frame, more than the small buffer
// holds, are read first, whole and in order.
func TestEstablishedReadBufferSmallerThanHandshakes(t *testing.T) {
	const small = 1 << 10
	readAcrossSwitch(t, small, small, 10, 3*small, 5, 2*handshakeBuffer)
}
