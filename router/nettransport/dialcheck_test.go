package nettransport

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// frameSeen is a frame the scripted acceptor below read from the dialer.
type frameSeen struct {
	typ  frameType
	body []byte
}

// TestDialerChecksTheAcceptor: the dialer's half of the handshake checks what the node
// at the address answers, each check by name, and refuses by name: a challenge from
// another node than the one dialed, a challenge of another protocol version (answered
// RefuseVersion, as the acceptor answers a hello of another version), and a
// welcome whose proof does not come from the cluster secret (the acceptor is an
// impostor). Each ends the handshake with an error; none reaches the connected state.
func TestDialerChecksTheAcceptor(t *testing.T) {
	badProof := bytes.Repeat([]byte{0xAB}, 32)
	for _, tc := range []struct {
		name      string
		challenge []byte
		welcome   []byte // sent when the dialer's auth arrives; nil for none
		want      string
		refusal   RefuseCode // what the dialer sends back; 0 for nothing
	}{
		{name: "wrong node", challenge: frame(typeChallenge, identityBody("test", "n7", 1)),
			want: "the node at this address is n7, want n2", refusal: RefuseWrongNode},
		{name: "other version", challenge: frameV(Version+1, typeChallenge, identityBody("test", "n2", 1)),
			want: "protocol version 2, want 1", refusal: RefuseVersion},
		{name: "impostor welcome", challenge: frame(typeChallenge, identityBody("test", "n2", 1)), welcome: frame(typeWelcome, badProof),
			want: "n2 did not prove the cluster secret", refusal: RefuseAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			me, _ := pipeNode(t, "n1", nil)
			c1, c2 := net.Pipe()
			// A dialer that fails to check waits for a frame that never comes: the
			// deadline turns that into a failure here, not a hung test.
			_ = c1.SetDeadline(time.Now().Add(5 * time.Second))
			seen := make(chan []frameSeen, 1)
			go func() {
				defer c2.Close()
				var got []frameSeen
				defer func() { seen <- got }()
				fr := newFrameReader(c2, 4096, DefaultMaxFrame)
				if h, _, err := fr.next(); err != nil || h.typ != typeHello {
					return
				}
				if _, err := c2.Write(tc.challenge); err != nil {
					return
				}
				for {
					h, body, err := fr.next()
					if err != nil {
						return
					}
					got = append(got, frameSeen{h.typ, append([]byte(nil), body...)})
					if h.typ == typeAuth && tc.welcome != nil {
						if _, err := c2.Write(tc.welcome); err != nil {
							return
						}
					}
				}
			}()
			_, err := me.dialHandshake(c1, newFrameReader(c1, 4096, DefaultMaxFrame), "n2")
			_ = c1.Close()
			frames := <-seen
			if err == nil || !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrHandshake containing %q", err, tc.want)
			}
			if tc.refusal == 0 {
				if len(frames) != 0 {
					t.Fatalf("the dialer went on: sent %v", frames)
				}
				return
			}
			last := frames[len(frames)-1:]
			if len(last) == 0 || last[0].typ != typeRefuse || !bytes.Equal(last[0].body, []byte{byte(tc.refusal)}) {
				t.Fatalf("the dialer sent %v, want a refusal %q last", frames, tc.refusal)
			}
			if tc.welcome == nil && len(frames) != 1 {
				t.Fatalf("the dialer sent %v after the challenge, want only the refusal", frames)
			}
		})
	}
}

// TestProofBindsEveryField: a handshake proof changes with every part of the exchange
// it vouches for (the role, the secret, the cluster, both ids, both incarnations, both
// nonces), so that no proof can be replayed into another handshake or reflected from
// one side to the other.
func TestProofBindsEveryField(t *testing.T) {
	secret := []byte("s3cret")
	base := func() (identity, identity) {
		d := identity{cluster: "test", id: "n1", inc: 1}
		a := identity{cluster: "test", id: "n2", inc: 2}
		d.nonce[0], a.nonce[0] = 1, 2
		return d, a
	}
	d0, a0 := base()
	want := proof(secret, "dialer", &d0, &a0)
	for _, tc := range []struct {
		name string
		edit func(role *string, secret *[]byte, d, a *identity)
	}{
		{"role", func(r *string, _ *[]byte, _, _ *identity) { *r = "acceptor" }},
		{"secret", func(_ *string, s *[]byte, _, _ *identity) { *s = []byte("other") }},
		{"cluster", func(_ *string, _ *[]byte, d, _ *identity) { d.cluster = "other" }},
		{"dialer id", func(_ *string, _ *[]byte, d, _ *identity) { d.id = "n9" }},
		{"dialer incarnation", func(_ *string, _ *[]byte, d, _ *identity) { d.inc = 9 }},
		{"dialer nonce", func(_ *string, _ *[]byte, d, _ *identity) { d.nonce[31] = 9 }},
		{"acceptor id", func(_ *string, _ *[]byte, _, a *identity) { a.id = "n9" }},
		{"acceptor incarnation", func(_ *string, _ *[]byte, _, a *identity) { a.inc = 9 }},
		{"acceptor nonce", func(_ *string, _ *[]byte, _, a *identity) { a.nonce[31] = 9 }},
		{"sides swapped", func(_ *string, _ *[]byte, d, a *identity) { *d, *a = *a, *d; d.cluster, a.cluster = "test", "test" }},
	} {
		role, s := "dialer", append([]byte(nil), secret...)
		d, a := base()
		tc.edit(&role, &s, &d, &a)
		if got := proof(s, role, &d, &a); bytes.Equal(got, want) {
			t.Errorf("%s: the proof does not change with it", tc.name)
		}
	}
	if d, a := base(); !bytes.Equal(proof(secret, "dialer", &d, &a), want) {
		t.Fatal("the same exchange gives another proof")
	}
}
