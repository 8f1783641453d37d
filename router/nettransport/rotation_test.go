package nettransport

import (
	"context"
	"errors"
	"fmt"
	"net"
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

// TestRefusalLogQuiet: the same refusal (same host, member and kind; any port) is
// logged at its level once per quiet period, with the count of those since; another
// host, member or kind is logged at once; the log remembers at most refusalKeys of
// them, forgetting the one seen least recently.
func TestRefusalLogQuiet(t *testing.T) {
	r := newRefusalLog()
	t0 := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	from := func(port int) net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: port} }
	type step struct {
		at      time.Duration
		addr    net.Addr
		id      router.NodeID
		reason  string
		log     bool
		repeats int
	}
	for i, s := range []step{
		{at: 0, addr: from(1), id: "n4", reason: "bad secret", log: true},
		{at: 2 * time.Second, addr: from(2), id: "n4", reason: "bad secret"},
		{at: 4 * time.Second, addr: from(3), id: "n4", reason: "bad secret"},
		{at: 5 * time.Second, addr: from(3), id: "n5", reason: "bad secret", log: true},
		{at: 6 * time.Second, addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 3}, id: "n4", reason: "bad secret", log: true},
		{at: 7 * time.Second, addr: from(3), id: "n4", reason: "wrong cluster", log: true},
		{at: time.Minute, addr: from(4), id: "n4", reason: "bad secret", log: true, repeats: 2},
		{at: time.Minute + time.Second, addr: from(4), id: "n4", reason: "bad secret"},
	} {
		repeats, log := r.note(s.addr, s.id, s.reason, t0.Add(s.at))
		if log != s.log || repeats != s.repeats {
			t.Errorf("step %d (%v %s %s at %v): log %v after %d repeats, want %v after %d", i, s.addr, s.id, s.reason, s.at, log, repeats, s.log, s.repeats)
		}
	}
	// Bounded: refusalKeys more strangers push the first refusal out; it is new again.
	for i := range refusalKeys {
		r.note(from(1), router.NodeID(fmt.Sprint("x", i)), "bad secret", t0.Add(2*time.Minute+time.Duration(i)))
	}
	if r.Len() > refusalKeys {
		t.Errorf("%d refusals remembered, want at most %d", r.Len(), refusalKeys)
	}
	if _, log := r.note(from(9), "n4", "bad secret", t0.Add(3*time.Minute)); !log {
		t.Errorf("a refusal forgotten for room is not logged when it comes again")
	}
}
