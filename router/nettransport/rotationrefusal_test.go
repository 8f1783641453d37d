package nettransport

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestDialerRefusesWelcome: during a secret rotation, a node that proves the old
// secret and accepts the new one is dialed, over TCP, by a client that knows only the
// new. The node admits the client (its proof is good) and welcomes it with the old
// secret's proof, which the client refuses with a refuse frame. The node counts and
// logs that as a refused connection naming the reason ("the other side refused this
// node's proof"), not as a bad frame, a connection or a disconnection.
func TestDialerRefusesWelcome(t *testing.T) {
	oldS, newS := []byte("the-old-secret"), []byte("the-new-secret")
	acc, _, logs, addr := tcpNode(t, "acceptor", func(c *Config) { c.Secret, c.AcceptSecrets = oldS, [][]byte{newS} })
	client, _, _, _ := tcpNode(t, "client", func(c *Config) {
		c.Secret = newS
		c.Peers = map[router.NodeID]string{"acceptor": addr}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Connect(ctx, "acceptor"); !errors.Is(err, ErrHandshake) {
		t.Fatalf("client: %v, want the acceptor's proof refused", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for acc.Stats().Refused == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Whatever the client's redials do meanwhile, each is one refusal.
	_ = client.Close()
	time.Sleep(50 * time.Millisecond)
	st := acc.Stats()
	if st.Refused == 0 || st.BadFrames != 0 || st.Connects != 0 || st.Disconnects != 0 {
		t.Fatalf("acceptor stats %+v: want refusals only, no bad frame, connection or disconnection", st)
	}
	out := logs.log()
	if !strings.Contains(out, "the other side refused this node's proof: authentication failed") || strings.Contains(out, "bad frame") ||
		strings.Contains(out, "msg=connected") || strings.Contains(out, "msg=disconnected") {
		t.Fatalf("acceptor log, want the refusal named and no connection:\n%s", out)
	}
	if acc.Connected("client") {
		t.Fatal("the client is connected")
	}
}
