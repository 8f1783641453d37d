package nettransport_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// header is a frame header written by hand (the format is in the package
// documentation): magic, version, type, body length.
func header(version, typ byte, n int) []byte {
	return []byte{0xE5, 0x7E, version, typ, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// rawHello is a hello frame written by hand: the cluster, the node id, incarnation 1
// and a nonce of zeros.
func rawHello(version byte, cluster, id string) []byte {
	var body []byte
	for _, s := range []string{cluster, id} {
		body = binary.AppendUvarint(body, uint64(len(s)))
		body = append(body, s...)
	}
	body = binary.AppendUvarint(body, 1)
	body = append(body, make([]byte, 32)...)
	return append(header(version, 1, len(body)), body...)
}

// refusalFrame is the refusal frame a node writes.
func refusalFrame(code nettransport.RefuseCode) []byte {
	return append(header(nettransport.Version, 5, 1), byte(code))
}

// TestFirstFrameRefusals: a first handshake frame the acceptor cannot take is
// answered with a refusal, logged with its reason and closed. Over loopback TCP.
func TestFirstFrameRefusals(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	for _, tc := range []struct {
		name string
		send []byte
		back []byte // nil: no answer
		log  string
	}{
		{name: "node id not UTF-8", send: rawHello(nettransport.Version, "test", "n\xff"),
			back: refusalFrame(nettransport.RefuseProtocol), log: "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", acc.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second)) // the node closes at once
			back, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("the node did not close the connection: %v (read % x)", err, back)
			}
			if !bytes.Equal(back, tc.back) {
				t.Fatalf("the node answered % x, want % x", back, tc.back)
			}
			logged(t, acc, "refused connection", tc.log)
		})
	}
}
