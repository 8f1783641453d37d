package nettransport

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestSecretRotation: the three steps of changing the cluster secret without an
// outage. Nodes of neighbouring steps connect, whichever dials; nodes two steps apart
// do not (the rolling restarts of one step finish before the next begins): a node of
// step 0 knows only the old secret, one of step 3 only the new.
func TestSecretRotation(t *testing.T) {
	oldS, newS := []byte("the-old-secret"), []byte("the-new-secret")
	steps := []struct {
		secret []byte
		accept [][]byte
	}{
		{secret: oldS},                         // 0: before
		{secret: oldS, accept: [][]byte{newS}}, // 1: every node accepts the new secret
		{secret: newS, accept: [][]byte{oldS}}, // 2: every node proves with it
		{secret: newS},                         // 3: the old one is forgotten
	}
	for a := range steps {
		for b := range steps {
			if a == b {
				continue
			}
			t.Run(fmt.Sprintf("step %d dials step %d", a, b), func(t *testing.T) {
				_, _, _, addr := tcpNode(t, "acceptor", func(c *Config) {
					c.Secret, c.AcceptSecrets = steps[b].secret, steps[b].accept
				})
				dialer, _, _, _ := tcpNode(t, "dialer", func(c *Config) {
					c.Secret, c.AcceptSecrets = steps[a].secret, steps[a].accept
					c.Peers = map[router.NodeID]string{"acceptor": addr}
				})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err := dialer.Connect(ctx, "acceptor")
				near := a-b == 1 || b-a == 1
				if near && err != nil {
					t.Fatalf("neighbouring steps do not connect: %v", err)
				}
				if !near && !errors.Is(err, ErrHandshake) && !errors.As(err, new(*RefusedError)) {
					t.Fatalf("steps two or more apart: %v, want a refusal for the secret", err)
				}
			})
		}
	}
	cfg := Config{ID: "n1", Cluster: "c", Secret: oldS, AcceptSecrets: [][]byte{newS, []byte("short")}}
	if err := cfg.Validate(); !errors.Is(err, ErrBadConfig) {
		t.Errorf("an accepted secret of 5 bytes: %v, want ErrBadConfig", err)
	}
}
