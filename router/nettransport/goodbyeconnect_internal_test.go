package nettransport

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestConnectDuringGoodbye: a Connect whose dial is under way when this node says
// goodbye ends with the dial, saying the node is leaving, as a Connect made after
// the goodbye does at once. The dial loop gives up its attempt (no new connection
// after a goodbye) and used to wait for Close without telling the Connect waiting
// for that attempt, which then waited out its whole context. Virtual time: n1's Dial
// holds the attempt until the goodbye is said.
func TestConnectDuringGoodbye(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n2 *Transport
		dialing, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		n1, _ := pipeNode(t, "n1", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n2": "pipe"}
			c.Dial = func(context.Context, string) (net.Conn, error) {
				once.Do(func() { close(dialing) })
				<-release
				c1, c2 := net.Pipe()
				n2.Accept(c2)
				return c1, nil
			}
		})
		n2, _ = pipeNode(t, "n2", nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		connected := make(chan error, 1)
		go func() { connected <- n1.Connect(ctx, "n2") }()
		<-dialing
		if err := n1.Goodbye(context.Background()); err != nil {
			t.Fatalf("Goodbye with no connection: %v", err)
		}
		start := time.Now()
		close(release)
		err := <-connected
		if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "leaving") {
			t.Fatalf("Connect during the goodbye: %v after %v; want, when its dial ends, an error that says the node is leaving", err, time.Since(start))
		}
		if n1.Connected("n2") {
			t.Fatal("connected after the goodbye")
		}
	})
}
