package main

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestClosedAfterHelloSaysSo: a dialer that sends its hello, reads the node's
// challenge and closes the connection without answering it (one that gave up
// waiting: its own handshake timeout, or its process stopping) is refused with a
// reason that says what happened, not a bare "EOF".
func TestClosedAfterHelloSaysSo(t *testing.T) {
	addr := realcluster.FreeAddr()
	_, logs := startAlone(t, "--admin", "", "--listen", addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(realcluster.Hello(nettransport.Version, "ensroute", "x7")); err != nil {
		t.Fatal(err)
	}
	// The whole challenge (read to its end, so that the close is no reset): the node
	// has read the hello, and waits for the answer.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	header := make([]byte, 8)
	if _, err := io.ReadFull(c, header); err != nil {
		t.Fatalf("no challenge from the node: %v", err)
	}
	if _, err := io.ReadFull(c, make([]byte, binary.BigEndian.Uint32(header[4:]))); err != nil {
		t.Fatalf("the challenge's body: %v", err)
	}
	_ = c.Close()
	var line string
	for deadline := time.Now().Add(5 * time.Second); line == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `msg="refused connection"`) && strings.Contains(l, "peer=x7") {
				line = l
			}
		}
	}
	if line == "" {
		t.Fatalf("no refusal logged for x7:\n%s", logs.String())
	}
	if !strings.Contains(line, "closed in the middle of the handshake") {
		t.Errorf("the refusal does not say the other side closed the connection mid-handshake:\n%s", line)
	}
}
