package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ensroute/ensroute/router"
)

// adminGet serves one GET of page from handler h and returns the status, the
// Content-Type and the body.
func adminGet(h http.Handler, page string) (code int, contentType, body string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, page, nil))
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

// TestHealthzAnswer: /healthz answers 200 with a JSON body that says the node is up
// ("status": "ok"), with its id and incarnation, each other member of --peers
// (connected or not), and each directory entry with its leader and version.
func TestHealthzAnswer(t *testing.T) {
	tr, drv := unconnected(t)
	drv.Learn(router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "n2", Node: "n2"}, Version: 7})
	drv.Learn(router.Entry{Ensemble: "e2", Leader: router.PeerRef{Ensemble: "e2", Name: "n1", Node: "n1"}, Version: 42})
	n := &node{id: "n1", inc: 5, drv: drv, tr: tr, members: []router.NodeID{"n2", "n3"},
		config: newSettingsWatch(nil, nil, slog.New(slog.DiscardHandler))}
	code, ctype, body := adminGet(n.adminHandler(tr), "/healthz")
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("/healthz: %d, Content-Type %q; want 200 and application/json", code, ctype)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("/healthz %q: %v", body, err)
	}
	want := map[string]any{
		"status":      "ok",
		"id":          "n1",
		"incarnation": 5.0,
		"peers": []any{
			map[string]any{"id": "n2", "connected": false},
			map[string]any{"id": "n3", "connected": false},
		},
		"directory": []any{
			map[string]any{"ensemble": "e1", "leader": "e1/n2@n2", "version": 7.0},
			map[string]any{"ensemble": "e2", "leader": "e2/n1@n1", "version": 42.0},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/healthz (-want +got):\n%s", diff)
	}
}

// TestReadyzAnswer: /readyz answers JSON, 200 when the node and a majority of the
// members are connected (a node alone in --peers is), 503 otherwise.
func TestReadyzAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []router.NodeID
		code    int
		body    string
	}{
		{name: "alone", code: http.StatusOK, body: `{"ready":true,"connected":1,"members":1,"missing":[]}`},
		{name: "two members down", members: []router.NodeID{"n2", "n3"}, code: http.StatusServiceUnavailable,
			body: `{"ready":false,"connected":1,"members":3,"missing":["n2","n3"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, drv := unconnected(t)
			n := &node{id: "n1", inc: 1, drv: drv, tr: tr, members: tc.members,
				config: newSettingsWatch(nil, nil, slog.New(slog.DiscardHandler))}
			code, ctype, body := adminGet(n.adminHandler(tr), "/readyz")
			if code != tc.code || ctype != "application/json" || strings.TrimSpace(body) != tc.body {
				t.Errorf("/readyz: %d, Content-Type %q, %s; want %d, application/json, %s", code, ctype, body, tc.code, tc.body)
			}
		})
	}
}

// gather collects c's series of the families names (all if none), keyed by name and
// labels (`name{label="value",...}`), with their values (a counter's, a gauge's).
func gather(t *testing.T, c prometheus.Collector, names ...string) map[string]float64 {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if len(names) > 0 && !slices.Contains(names, f.GetName()) {
			continue
		}
		for _, m := range f.Metric {
			key := f.GetName()
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			out[key] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return -1
}

// TestMetricsOfAnIdleNode: a node connected to nothing shows each of its router
// instances' mailboxes, numbered from 0, each member of --peers as neither connected
// nor leaving, no client, and the build info gauge at 1.
func TestMetricsOfAnIdleNode(t *testing.T) {
	tr, drv := unconnected(t)
	n := &node{id: "n1", inc: 1, drv: drv, tr: tr, members: []router.NodeID{"n2", "n3"},
		config: newSettingsWatch(nil, nil, slog.New(slog.DiscardHandler))}
	want := map[string]float64{
		"ensroute_clients_connected":         0,
		`ensroute_peer_connected{peer="n2"}`: 0, `ensroute_peer_connected{peer="n3"}`: 0,
		`ensroute_peer_leaving{peer="n2"}`: 0, `ensroute_peer_leaving{peer="n3"}`: 0,
	}
	for i := range router.DefaultRouters {
		want[`ensroute_router_mailbox_depth{instance="`+strconv.Itoa(i)+`"}`] = 0
	}
	got := gather(t, &metrics{drv: drv, tr: tr, members: n.members, config: n.config},
		"ensroute_clients_connected", "ensroute_peer_connected", "ensroute_peer_leaving", "ensroute_router_mailbox_depth")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/metrics (-want +got):\n%s", diff)
	}

	// The build info, as the admin server serves it.
	_, _, body := adminGet(n.adminHandler(tr), "/metrics")
	var build []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "ensroute_build_info{") {
			build = append(build, line[strings.LastIndex(line, " ")+1:])
		}
	}
	if diff := cmp.Diff([]string{"1"}, build); diff != "" {
		t.Errorf("ensroute_build_info values (-want +got):\n%s", diff)
	}
}

// TestMetricsCountHeldReplies: a reply for a client that is not connected, which the
// transport holds for it to come back, is counted as held, not as expired nor as
// unreachable.
func TestMetricsCountHeldReplies(t *testing.T) {
	tr, drv := unconnected(t)
	tr.Attach(drv)
	reply := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "ctl-1", Incarnation: 1, Seq: 1}, Code: router.CodeOK}
	if err := tr.Send("ctl-1", reply); err != nil {
		t.Fatalf("a reply to a client not connected: %v, want it held", err)
	}
	want := map[string]float64{
		`ensroute_transport_total{what="replies_held"}`:         1,
		`ensroute_transport_total{what="replies_held_expired"}`: 0,
		`ensroute_transport_total{what="unreachable"}`:          0,
	}
	got := gather(t, &metrics{drv: drv, tr: tr}, "ensroute_transport_total")
	for k := range got {
		if _, ok := want[k]; !ok {
			delete(got, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/metrics (-want +got):\n%s", diff)
	}
}

// TestClientSaidGoodbyeNotConnected: a client that said goodbye (it is stopping)
// while its connection stays open is not counted among the clients connected.
func TestClientSaidGoodbyeNotConnected(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr, admin := startNode(t, secretFile, "")
	tr, _ := newClient(t, addr, secret, nil, nil)
	deadline := time.Now().Add(10 * time.Second)
	connectN1(t, tr, nil)
	clients := func() string {
		for _, line := range strings.Split(get(t, admin, "/metrics"), "\n") {
			if v, ok := strings.CutPrefix(line, "ensroute_clients_connected "); ok {
				return v
			}
		}
		return "absent"
	}
	for clients() != "1" {
		if time.Now().After(deadline) {
			t.Fatalf("ensroute_clients_connected %s with the client connected, want 1", clients())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// n1 has marked the client leaving once the goodbye returns: it acknowledged.
	if err := tr.Goodbye(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clients(); got != "0" {
		t.Fatalf("ensroute_clients_connected %s after the client's goodbye, want 0", got)
	}
}
