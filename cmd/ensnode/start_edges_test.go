package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// startAlone starts n1, alone in --peers, in this process with the flags args after
// its own, and stops it when the test ends; it returns the node and its log.
func startAlone(t *testing.T, args ...string) (*node, *syncBuffer) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(secretFile, []byte("long-enough-secret"), 0o600)
	o, err := parse(append([]string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--secret-file", secretFile}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	n, err := start(o, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.stop)
	return n, logs
}

// TestReplyHoldFlag: --reply-hold is how long the node's transport holds a reply for
// a client that is not connected: with 0 none is held (the reply is unreachable at
// once), with 1h it is held, and with 1ms it is dropped as expired a moment later,
// long before the transport's own default of 3s.
func TestReplyHoldFlag(t *testing.T) {
	type counts struct{ Held, Expired, Unreachable uint64 }
	for _, tc := range []struct {
		hold    string
		sendErr error
		want    counts
	}{
		{hold: "0", sendErr: router.ErrUnreachable, want: counts{Unreachable: 1}},
		{hold: "1h", want: counts{Held: 1}},
		{hold: "1ms", want: counts{Held: 1, Expired: 1}},
	} {
		t.Run(tc.hold, func(t *testing.T) {
			n, _ := startAlone(t, "--admin", "", "--reply-hold", tc.hold)
			reply := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "ctl-1", Incarnation: 1, Seq: 1}, Code: router.CodeOK}
			if err := n.tr.Send("ctl-1", reply); !errors.Is(err, tc.sendErr) {
				t.Fatalf("a reply to a client not connected: %v, want %v", err, tc.sendErr)
			}
			var got counts
			// Well under nettransport.DefaultReplyHold: a hold of 1ms has long expired.
			for deadline := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
				st := n.tr.Stats()
				got = counts{Held: st.Held, Expired: st.HeldExpired, Unreachable: st.Unreachable}
				if got == tc.want || time.Now().After(deadline) {
					break
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("--reply-hold %s (-want +got):\n%s", tc.hold, diff)
			}
		})
	}
	if nettransport.DefaultReplyHold <= time.Second {
		t.Fatalf("nettransport.DefaultReplyHold %v: the 1ms case no longer tells the flag from the default", nettransport.DefaultReplyHold)
	}
}

// TestPeerRateServesThroughTheSlowServer: any --peer-rate from 0.001 on (below one a
// second too) has the demo peers served by the rate-limited server, whose counts
// /metrics shows; 0 serves each request at once, with no such series.
func TestPeerRateServesThroughTheSlowServer(t *testing.T) {
	for _, tc := range []struct {
		rate string
		slow bool
	}{{"0", false}, {"0.001", true}, {"0.5", true}, {"1", true}, {"50", true}} {
		t.Run(tc.rate, func(t *testing.T) {
			n, _ := startAlone(t, "--admin", "", "--ensemble", "e1=n1", "--peer-rate", tc.rate)
			_, _, body := adminGet(n.adminHandler(n.tr), "/metrics")
			if got := strings.Contains(body, "\nensroute_kv_slow_requests_total{"); got != tc.slow {
				t.Errorf("--peer-rate %s: ensroute_kv_slow_requests_total on /metrics %v, want %v", tc.rate, got, tc.slow)
			}
		})
	}
}

// nonLoopback returns an address of this machine's, not a loopback one, that a
// listener can bind, or skips the test.
func nonLoopback(t *testing.T) netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || !p.Addr().Is4() || p.Addr().IsLoopback() || !p.Addr().IsGlobalUnicast() {
			continue
		}
		l, err := net.Listen("tcp", netip.AddrPortFrom(p.Addr(), 0).String())
		if err != nil {
			continue
		}
		_ = l.Close()
		return p.Addr()
	}
	t.Skip("no IPv4 address but loopback to bind")
	return netip.Addr{}
}

// TestAdminOnAnInterfaceWarns: an admin server bound to one of the machine's own
// addresses (not the wildcard) is reachable beyond it, and warned of as on every
// interface; one on any loopback address (127.0.0.2 is one) is not.
func TestAdminOnAnInterfaceWarns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		admin func(*testing.T) string
		warns bool
	}{
		{name: "interface", admin: func(t *testing.T) string { return netip.AddrPortFrom(nonLoopback(t), 0).String() }, warns: true},
		{name: "127.0.0.2", admin: func(t *testing.T) string {
			l, err := net.Listen("tcp", "127.0.0.2:0")
			if err != nil {
				t.Skip("127.0.0.2 cannot be bound here:", err)
			}
			_ = l.Close()
			return "127.0.0.2:0"
		}, warns: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, logs := startAlone(t, "--admin", tc.admin(t))
			warned := strings.Contains(logs.String(), `level=WARN msg="admin server reachable beyond this machine`)
			if warned != tc.warns {
				t.Fatalf("warned %v, want %v:\n%s", warned, tc.warns, logs.String())
			}
		})
	}
}
