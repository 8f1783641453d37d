package nettransport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// The fuzz targets of the network's input: the frame reader, the acceptor's and the
// dialer's sides of the handshake (FuzzDecodeMessage, in codec_test.go, fuzzes message
// bodies). Their seed corpora are checked in under testdata/fuzz and run by plain go
// test; TestWriteFuzzSeeds rewrites them from fuzzSeeds. A longer run:
//
//	go test ./router/nettransport -run '^$' -fuzz FuzzAcceptHandshake -fuzztime 5m

// identityBody is the body of a hello or challenge frame.
func identityBody(cluster string, id router.NodeID, inc uint64) []byte {
	return appendIdentity(nil, &identity{cluster: cluster, id: id, inc: router.Incarnation(inc)})
}

func frameV(version uint8, t frameType, body []byte) []byte {
	h := appendHeader(nil, t, len(body))
	h[2] = version
	return append(h, body...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// fuzzSeeds are the seed inputs of each target, by name: the well-formed cases and
// every malformed one the handshake refuses by name.
func fuzzSeeds() map[string]map[string][]byte {
	proof32 := bytes.Repeat([]byte{0xAB}, 32)
	return map[string]map[string][]byte{
		"FuzzFrameReader": {
			"empty":     nil,
			"frames":    cat(frame(typePing, nil), frame(typeMsg, []byte("abc")), frame(typeMsg, bytes.Repeat([]byte("b"), 300))),
			"too-long":  appendHeader(nil, typeMsg, 1<<31-1),
			"truncated": frame(typeMsg, []byte("abcdef"))[:10],
			"garbage":   []byte("GET / HTTP/1.1\r\n\r\n"),
			"bad-type":  appendHeader(nil, 99, 0),
			"goodbye":   cat(frame(typePing, []byte{ctlGoodbye}), frame(typeMsg, []byte("abc")), frame(typePing, []byte{ctlGoodbyeAck}), frame(typePing, []byte{99})),
		},
		"FuzzAcceptHandshake": {
			"honest-but-no-secret": cat(frame(typeHello, identityBody("test", "n2", 1)), frame(typeAuth, proof32)),
			"wrong-cluster":        frame(typeHello, identityBody("other", "n2", 1)),
			"own-id":               frame(typeHello, identityBody("test", "n1", 1)),
			"empty-id":             frame(typeHello, identityBody("test", "", 1)),
			"other-version":        frameV(Version+1, typeHello, identityBody("test", "n2", 1)),
			"too-long":             appendHeader(nil, typeHello, 1<<31-1),
			"short-nonce":          frame(typeHello, identityBody("test", "n2", 1)[:20]),
			"not-hello":            frame(typeAuth, proof32),
			"message-first":        frame(typeMsg, AppendMessage(nil, &router.Message{Kind: router.KindGossip})),
			"refuse":               frame(typeRefuse, []byte{byte(RefuseAuth)}),
			"silent":               nil,
			"garbage":              []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), // a TLS client hello
			"huge-incarnation":     frame(typeHello, cat(appendStr(appendStr(nil, "test"), "n2"), bytes.Repeat([]byte{0xff}, 10), make([]byte, nonceSize))),
		},
		"FuzzDialHandshake": {
			"challenge-then-bad-welcome": cat(frame(typeChallenge, identityBody("test", "n2", 1)), frame(typeWelcome, proof32)),
			"wrong-node":                 frame(typeChallenge, identityBody("test", "n7", 1)),
			"wrong-cluster":              frame(typeChallenge, identityBody("other", "n2", 1)),
			"refused":                    frame(typeRefuse, []byte{byte(RefuseDuplicate)}),
			"refused-unknown-code":       frame(typeRefuse, []byte{200}),
			"refused-race":               frame(typeRefuse, []byte{byte(RefuseRace)}),
			"refused-other-version":      frameV(Version+3, typeRefuse, []byte{byte(RefuseVersion)}),
			"other-version":              frameV(Version+1, typeChallenge, identityBody("test", "n2", 1)),
			"too-long":                   appendHeader(nil, typeChallenge, 1<<31-1),
			"hello-back":                 frame(typeHello, identityBody("test", "n2", 1)),
			"silent":                     nil,
		},
	}
}

// TestWriteFuzzSeeds writes the seed corpora under testdata/fuzz when
// ENSROUTE_WRITE_FUZZ_SEEDS is set, and otherwise checks that the checked-in corpora
// hold every seed, as written.
func TestWriteFuzzSeeds(t *testing.T) {
	write := os.Getenv("ENSROUTE_WRITE_FUZZ_SEEDS") != ""
	for target, seeds := range fuzzSeeds() {
		for name, in := range seeds {
			path := filepath.Join("testdata", "fuzz", target, name)
			want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", in)
			if write {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != want {
				t.Errorf("%s is missing or stale (rewrite with ENSROUTE_WRITE_FUZZ_SEEDS=1 go test ./router/nettransport -run TestWriteFuzzSeeds)", path)
			}
		}
	}
}

// FuzzFrameReader: any byte stream reads as frames until an error, never panics, and
// never holds more than the frame limit: a length field cannot make it allocate more.
func FuzzFrameReader(f *testing.F) {
	const limit = MinMaxFrame
	f.Fuzz(func(t *testing.T, stream []byte) {
		fr := newFrameReader(bytes.NewReader(stream), 64, limit)
		for {
			h, body, err := fr.next()
			if cap(fr.scratch) > limit {
				t.Fatalf("scratch grew to %d bytes, past the %d limit", cap(fr.scratch), limit)
			}
			if err != nil {
				if !errors.Is(err, ErrBadFrame) && err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("error %v: want ErrBadFrame or the end of the stream", err)
				}
				return
			}
			if len(body) != h.length || h.length > limit {
				t.Fatalf("frame of %d bytes, header says %d, limit %d", len(body), h.length, limit)
			}
			if h.typ == typeMsg {
				_, _ = DecodeMessage(body) // FuzzDecodeMessage checks the bodies
			}
		}
	})
}

// FuzzAcceptHandshake: whatever a stranger sends to a node's listener, the node never
// panics, never connects it (it cannot prove the secret without it), closes the
// connection, counts and logs a refusal, and answers only with well-formed handshake
// frames (a challenge, a refusal).
func FuzzAcceptHandshake(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		synctest.Test(t, func(t *testing.T) {
			acc, logs := pipeNode(t, "n1", nil)
			c1, c2 := net.Pipe()
			defer c1.Close()
			acc.Accept(c2)
			go func() { _, _ = c1.Write(in) }()
			back, _ := io.ReadAll(c1) // until the node closes the connection
			synctest.Wait()
			checkClosedStranger(t, acc, logs.log(), back, typeChallenge)
		})
	})
}

// FuzzDialHandshake: whatever the node at a dialed address answers, the dialer never
// panics, never connects, and reports why.
func FuzzDialHandshake(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		synctest.Test(t, func(t *testing.T) {
			var peers sync.WaitGroup // one stranger per dial attempt
			dialer, _ := pipeNode(t, "n1", func(c *Config) {
				c.Peers = map[router.NodeID]string{"n2": "pipe"}
				c.Dial = func(context.Context, string) (net.Conn, error) {
					c1, c2 := net.Pipe()
					peers.Go(func() {
						defer c2.Close()
						go func() { _, _ = io.Copy(io.Discard, c2) }()
						_, _ = c2.Write(in)
					})
					return c1, nil
				}
			})
			// A peer that answers "simultaneous dial" is retried, as the connection it
			// promises may come: Connect then ends by its context (virtual time).
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := dialer.Connect(ctx, "n2")
			if err == nil || dialer.Connected("n2") {
				t.Fatalf("connected to a stranger: %v", err)
			}
			_ = dialer.Close()
			peers.Wait()
		})
	})
}

// checkClosedStranger checks what a node did with a stranger's connection: not
// connected, one refusal counted and logged, and an answer of well-formed frames of
// type first or refuse.
func checkClosedStranger(t *testing.T, acc *Transport, log string, back []byte, first frameType) {
	t.Helper()
	for _, p := range acc.Peers() {
		if p.Connected {
			t.Fatalf("the stranger %s is connected", p.ID)
		}
	}
	if st := acc.Stats(); st.Refused != 1 || st.Connects != 0 {
		t.Fatalf("stats %+v: want one refusal, no connection", st)
	}
	if !strings.Contains(log, "refused connection") {
		t.Fatalf("no refusal logged:\n%s", log)
	}
	fr := newFrameReader(bytes.NewReader(back), 4096, DefaultMaxFrame)
	for {
		h, body, err := fr.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("the node answered a malformed frame: %v (% x)", err, back)
		}
		switch {
		case h.typ == first:
		case h.typ == typeRefuse && len(body) == 1 && RefuseCode(body[0]) > 0 && RefuseCode(body[0]) < numRefuse:
		default:
			t.Fatalf("the node answered a %s frame (% x)", h.typ, body)
		}
	}
}
