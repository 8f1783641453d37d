package realcluster

import (
	"context"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestClientTransportApplied: Config.ClientTransport adjusts the client's transport
// after the client's own settings (its redial from 10ms to 200ms), so that a run
// that gives the nodes a heartbeat or a redial backoff gives the client the same; a
// setting it makes that the transport refuses fails Client, naming it.
func TestClientTransportApplied(t *testing.T) {
	var seen nettransport.Config
	calls := 0
	hook := func(c *nettransport.Config) {
		calls++
		seen = *c
		c.HeartbeatInterval, c.HeartbeatTimeout = 50*time.Millisecond, 200*time.Millisecond
	}
	c, err := New(Config{Ensnode: "ensnode", Dir: t.TempDir(), Nodes: []string{"n1"}, ClientTransport: hook})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := c.Client(context.Background(), "client", nil) // n1 is not running: nothing to dial
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if calls != 1 || seen.ID != "client" || seen.BackoffMin != 10*time.Millisecond || seen.BackoffMax != 200*time.Millisecond {
		t.Fatalf("ClientTransport called %d times with %+v; want once, with the client's id and its own redial", calls, seen)
	}
	bad, err := New(Config{Ensnode: "ensnode", Dir: t.TempDir(), Nodes: []string{"n1"},
		ClientTransport: func(c *nettransport.Config) { c.HeartbeatTimeout = time.Millisecond }}) // below the default interval, 500ms
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := bad.Client(context.Background(), "client", nil); err == nil {
		cl.Close()
		t.Fatal("a client whose heartbeat timeout is below its interval started")
	}
}
