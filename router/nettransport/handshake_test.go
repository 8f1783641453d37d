package nettransport_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
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
// answered with a refusal whenever its sender speaks ensroute's framing (the header
// begins with the magic number), even when the header itself is what is wrong: a
// header of another protocol version gets RefuseVersion whatever else is wrong with
// it (a later version's new frame type, a larger hello), any other RefuseProtocol.
// Bytes that are not ensroute at all get no answer. Each is logged with its reason
// and closed. Over loopback TCP.
func TestFirstFrameRefusals(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	over := nettransport.MaxHandshakeFrame + 1
	for _, tc := range []struct {
		name string
		send []byte
		back []byte // nil: no answer
		log  string
	}{
		{name: "node id not UTF-8", send: rawHello(nettransport.Version, "test", "n\xff"),
			back: refusalFrame(nettransport.RefuseProtocol), log: "not valid UTF-8"},
		{name: "hello over the frame limit", send: header(nettransport.Version, 1, over),
			back: refusalFrame(nettransport.RefuseProtocol), log: "exceeds the handshake frame limit"},
		{name: "unknown frame type", send: header(nettransport.Version, 99, 0),
			back: refusalFrame(nettransport.RefuseProtocol), log: "unknown frame type 99"},
		{name: "later version, new frame type", send: append(header(nettransport.Version+1, 9, 3), "abc"...),
			back: refusalFrame(nettransport.RefuseVersion), log: "protocol version 2, want 1"},
		{name: "later version, larger hello", send: header(nettransport.Version+1, 1, over),
			back: refusalFrame(nettransport.RefuseVersion), log: "protocol version 2, want 1"},
		{name: "HTTP", send: []byte("GET / HTTP/1.0\r\n\r\n"), log: "bad magic 0x4745, an HTTP request: this is a node's cluster port, which speaks no HTTP; a node's admin endpoints (/metrics, /healthz, /readyz) are on its admin address (ensnode --admin)"},
		{name: "HTTP POST", send: []byte("POST /metrics HTTP/1.1\r\nHost: n1\r\n\r\n"), log: "bad magic 0x504f, an HTTP request"},
		{name: "TLS hello", send: []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), log: "bad magic 0x1603, a TLS handshake: the other side uses TLS, and this one does not"},
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

// TestDialerRefusesMalformedChallenge: the dialer answers a challenge it cannot take
// as the acceptor answers a hello, by the same rule (TestFirstFrameRefusals), and its
// error names the problem. The node at the address is scripted by hand over loopback
// TCP.
func TestDialerRefusesMalformedChallenge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		challenge []byte
		back      []byte // the dialer's answer
		err       string
	}{
		{name: "unknown frame type", challenge: header(nettransport.Version, 99, 0),
			back: refusalFrame(nettransport.RefuseProtocol), err: "unknown frame type 99"},
		{name: "challenge over the frame limit", challenge: header(nettransport.Version, 2, nettransport.MaxHandshakeFrame+1),
			back: refusalFrame(nettransport.RefuseProtocol), err: "exceeds the handshake frame limit"},
		{name: "later version", challenge: header(nettransport.Version+1, 9, 0),
			back: refusalFrame(nettransport.RefuseVersion), err: "protocol version 2, want 1"},
		{name: "not ensroute", challenge: []byte("\x00\x01\x02\x03\x04\x05\x06\x07"), err: "bad magic 0x0001"},
		{name: "HTTP server", challenge: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), err: "bad magic 0x4854, an HTTP response: the address is an HTTP server's (an admin port?), not a node's cluster port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := listen(t)
			answered := make(chan []byte, 1)
			go func() {
				defer l.Close() // one connection: the dialer's next attempts are refused
				c, err := l.Accept()
				if err != nil {
					answered <- nil
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				h := make([]byte, 8)
				if _, err := io.ReadFull(c, h); err != nil {
					answered <- nil
					return
				}
				_, _ = io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(h[4:]))) // the hello's body
				_, _ = c.Write(tc.challenge)
				back, _ := io.ReadAll(c) // until the dialer closes
				answered <- back
			}()
			n1 := startNode(t, "n1", false, peersOf("n2", l.Addr().String()))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := n1.tr.Connect(ctx, "n2")
			if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("Connect: %v, want an error naming %q", err, tc.err)
			}
			if back := <-answered; !bytes.Equal(back, tc.back) {
				t.Fatalf("the dialer answered % x, want % x", back, tc.back)
			}
			if n1.tr.Connected("n2") {
				t.Fatal("connected")
			}
		})
	}
}
