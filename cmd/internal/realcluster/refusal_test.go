package realcluster

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// helloHeader is the header of a hello frame whose body would be n bytes.
func helloHeader(n int) []byte {
	return []byte{0xE5, 0x7E, nettransport.Version, 1, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// TestRefusals: what a stranger sends to a real ensnode process is refused, the node
// logs why and closes the connection, and goes on serving its cluster: a wrong
// cluster secret, a wrong cluster name, an unknown protocol version, a frame over the
// size limit (a refusal: the sender speaks ensroute's framing), garbage (no answer:
// it does not), a peer that claims another node's id or the node's own, and a peer
// that connects and says nothing (closed at the handshake deadline, 5s).
func TestRefusals(t *testing.T) {
	c, cl := startCluster(t)
	n1 := c.Node("n1")
	// raw writes what to n1 and reads until n1 closes the connection; it returns
	// what n1 answered.
	raw := func(t *testing.T, what []byte) []byte {
		t.Helper()
		conn, err := net.Dial("tcp", n1.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if len(what) > 0 {
			if _, err := conn.Write(what); err != nil {
				t.Fatal(err)
			}
		}
		_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		back, err := io.ReadAll(conn)
		if err != nil {
			t.Fatalf("n1 did not close the connection: %v", err)
		}
		return back
	}
	refusal := func(code nettransport.RefuseCode) []byte {
		return []byte{0xE5, 0x7E, nettransport.Version, 5, 0, 0, 0, 1, byte(code)}
	}
	// transport connects to n1 as node id, with the cluster secret or not. A node
	// skips its own id in Peers, so an impostor named n1 knows n1 by another name.
	transport := func(t *testing.T, id string, secret []byte) error {
		t.Helper()
		as := router.NodeID("n1")
		if id == "n1" {
			as = "n1-elsewhere"
		}
		tr, err := nettransport.New(nettransport.Config{ID: router.NodeID(id), Incarnation: 1, Cluster: "ensroute", Secret: secret,
			Peers: map[router.NodeID]string{as: n1.Addr}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		tr.Attach(cl.Node)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return tr.Connect(ctx, as)
	}
	for _, tc := range []struct {
		name string
		send []byte                  // raw bytes, or
		id   string                  // a transport with this id
		bad  bool                    // and the wrong secret
		back []byte                  // what n1 answers raw bytes with (nil: nothing)
		code nettransport.RefuseCode // the refusal the transport gets
		log  []string
	}{
		{name: "wrong secret", id: "intruder", bad: true, code: nettransport.RefuseAuth,
			log: []string{"refused connection", "peer=intruder", "did not prove the cluster secret"}},
		{name: "wrong cluster", send: Hello(nettransport.Version, "other", "x1"), back: refusal(nettransport.RefuseCluster),
			log: []string{"refused connection", `cluster \"other\", want \"ensroute\"`}},
		{name: "unknown version", send: Hello(nettransport.Version+1, "ensroute", "x2"), back: refusal(nettransport.RefuseVersion),
			log: []string{"refused connection", "protocol version 2, want 1"}},
		{name: "frame over the limit", send: helloHeader(nettransport.MaxHandshakeFrame + 1), back: refusal(nettransport.RefuseProtocol),
			log: []string{"refused connection", "exceeds the handshake frame limit"}},
		{name: "garbage", send: []byte("GET /healthz HTTP/1.1\r\nHost: n1\r\n\r\n"), log: []string{"refused connection", "bad magic"}},
		{name: "claims a connected node's id", id: "n2", code: nettransport.RefuseDuplicate,
			log: []string{"refused connection", "peer=n2", "node id already connected"}},
		{name: "claims the node's own id", id: "n1", code: nettransport.RefuseSelf,
			log: []string{"refused connection", "claims this node's id n1"}},
		{name: "silent", log: []string{"refused connection", "i/o timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.id != "" {
				secret := []byte("reliability-test-secret")
				if tc.bad {
					secret = []byte("some-other-secret")
				}
				err := transport(t, tc.id, secret)
				var re *nettransport.RefusedError
				if !errors.As(err, &re) || re.Code != tc.code {
					t.Fatalf("connect as %s: %v, want refused: %s", tc.id, err, tc.code)
				}
			} else {
				back := raw(t, tc.send)
				if string(back) != string(tc.back) {
					t.Fatalf("n1 answered % x, want % x", back, tc.back)
				}
			}
			waitFor(t, 5*time.Second, "n1 logs the refusal", func() (bool, string) { return n1.Logged(tc.log...), n1.Log() })
		})
	}
	t.Cleanup(func() {
		// n1 is still serving its cluster, connected to the others as before.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.WaitConnected(ctx); err != nil {
			t.Errorf("after the refusals: %v", err)
		}
		if !n1.Running() {
			t.Error("n1 died")
		}
	})
}
