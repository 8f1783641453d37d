package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// syncBuffer is a bytes.Buffer that a node's logger and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConfigFileFirstMemberLeads: an ensemble of the config file without "leader"
// starts led by its first member, as with --ensemble; "leader" picks another. The
// node runs on loopback and says so on /healthz.
func TestConfigFileFirstMemberLeads(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	addr, admin, other := realcluster.FreeAddr(), realcluster.FreeAddr(), realcluster.FreeAddr()
	conf := filepath.Join(dir, "cluster.json")
	b, _ := json.Marshal(map[string]any{
		"peers": map[string]string{"n2": addr, "n1": other},
		"ensembles": []map[string]any{
			{"id": "e1", "members": []string{"n2", "n1"}},
			{"id": "e2", "members": []string{"n2", "n1"}, "leader": "n1"},
		},
	})
	_ = os.WriteFile(conf, b, 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--id", "n2", "--config", conf, "--secret-file", secret, "--admin", admin}, &logs, &logs)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	}()
	var h struct {
		Directory []struct {
			Ensemble, Leader string
		} `json:"directory"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + admin + "/healthz")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz: %v\n%s", err, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	leaders := map[string]string{}
	for _, e := range h.Directory {
		leaders[e.Ensemble] = e.Leader
	}
	if leaders["e1"] != "e1/n2@n2" || leaders["e2"] != "e2/n1@n1" {
		t.Fatalf("leaders %v, want e1 led by its first member n2 and e2 by n1", leaders)
	}
}

// TestAdminPortInUse: a node whose admin port is taken does not start, and the one
// error it logs names --admin and the cause.
func TestAdminPortInUse(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	taken, err := net.Listen("tcp", realcluster.FreeAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for range 5 { // the stray log came from a goroutine: try a few times
		var logs syncBuffer
		code := run(context.Background(), []string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(),
			"--secret-file", secret, "--admin", taken.Addr().String()}, &logs, &logs)
		var errs []string
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "level=ERROR") {
				errs = append(errs, line)
			}
		}
		if code != 1 || len(errs) != 1 || !strings.Contains(errs[0], "--admin "+taken.Addr().String()) ||
			!strings.Contains(errs[0], "address already in use") || !strings.Contains(errs[0], "another process listens on that port") {
			t.Fatalf("exit %d, errors logged %q; want 1 and one error naming --admin, the cause and what may hold the port", code, errs)
		}
	}
}

// TestMaxHandshakesFlag: --max-handshakes bounds the handshakes in progress on the
// node's listener. With 2, a third stranger that connects and says nothing ends the
// first one's handshake at once (long before the 5s handshake timeout), as /metrics
// and the log say.
func TestMaxHandshakesFlag(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	addr, admin := realcluster.FreeAddr(), realcluster.FreeAddr()
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--id", "n1", "--peers", "n1=" + addr, "--secret-file", secret, "--admin", admin,
			"--max-handshakes", "2"}, &logs, &logs)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	}()
	var strangers []net.Conn
	for deadline := time.Now().Add(10 * time.Second); len(strangers) < 3; {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			if time.Now().After(deadline) {
				t.Fatalf("cannot connect to n1: %v\n%s", err, logs.String())
			}
			time.Sleep(10 * time.Millisecond) // n1 not listening yet
			continue
		}
		defer c.Close()
		strangers = append(strangers, c)
	}
	// The first stranger's connection ends without a byte; the bound ended it, not the
	// handshake timeout, which the read deadline only keeps a failure from waiting out.
	_ = strangers[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := io.ReadAll(strangers[0]); err != nil || len(b) != 0 {
		t.Fatalf("the first stranger: read % x, %v; want its connection closed", b, err)
	}
	if m := metricsOf(admin); !strings.Contains(m, `ensroute_transport_total{what="handshake_limit"} 1`) {
		t.Fatalf("/metrics:\n%s\nwant one handshake ended by the bound\n%s", m, logs.String())
	}
	// The node logs the end after it closed the connection: the line may come a
	// moment after the reader saw the end.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "2 handshakes in progress on this listener"); {
		if time.Now().After(deadline) {
			t.Fatalf("the log does not say the bound of 2 ended a handshake:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAdminBeyondLoopbackWarns: an admin server that listens on every interface
// starts, with a warning that it needs no credentials; one on loopback does not warn.
func TestAdminBeyondLoopbackWarns(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	for _, tc := range []struct {
		admin string
		warns bool
	}{{"0.0.0.0:0", true}, {"127.0.0.1:0", false}} {
		t.Run(tc.admin, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var logs syncBuffer
			done := make(chan int)
			go func() {
				done <- run(ctx, []string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--secret-file", secret,
					"--admin", tc.admin}, &logs, &logs)
			}()
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), "msg=ready") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs.String())
			}
			warned := strings.Contains(logs.String(), `level=WARN msg="admin server reachable beyond this machine`)
			if !strings.Contains(logs.String(), "msg=ready") || warned != tc.warns {
				t.Fatalf("warned %v, want %v:\n%s", warned, tc.warns, logs.String())
			}
		})
	}
}
