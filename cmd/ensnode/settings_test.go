package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestConfigDifferenceWarned: nodes tell each other their configuration as they
// connect. n1 warns of n2, started with --semantics riak, and of n3, with --routers 3,
// naming what differs, and shows it on /healthz and /metrics; a client with another
// --routers is warned of too. Once n2 restarts with the cluster's semantics, n1 says
// it matches again.
func TestConfigDifferenceWarned(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	n2.args = []string{"--semantics", "riak"}
	n3.args = []string{"--routers", "3"}
	c.startAll()
	c.logged(n1, "level=WARN", "configured differently", "peer=n2", `differs="semantics: n2 has riak, this node default"`)
	c.logged(n1, "level=WARN", "configured differently", "peer=n3", `differs="routers: n3 has 3, this node 7"`)
	c.logged(n2, "level=WARN", "configured differently", "peer=n1", `differs="semantics: n1 has default, this node riak"`)
	differs := func(p *proc) map[string][]string {
		out := map[string][]string{}
		if h := c.health(p); h != nil {
			for _, q := range h.Peers {
				out[q.ID] = q.ConfigDiffers
			}
		}
		return out
	}
	if d := differs(n1); !slices.Equal(d["n2"], []string{"semantics"}) || !slices.Equal(d["n3"], []string{"routers"}) {
		t.Fatalf("n1's /healthz: config_differs %v", d)
	}
	for id, want := range map[string]float64{"n2": 1, "n3": 1} {
		if got := metric(t, n1, fmt.Sprintf(`ensroute_peer_config_differs{peer="%s"}`, id)); got != want {
			t.Fatalf("n1's ensroute_peer_config_differs for %s: %v, want %v", id, got, want)
		}
	}
	c.expect(c.ctl("call", "--via", "n1", "--routers", "5", "e1", "get", "k"), "", "e1/n1@n1")
	c.logged(n1, "level=WARN", "a client (not in --peers) is configured differently", `differs="routers: ctl-`, "has 5, this node 7")

	_ = n2.cmd.Process.Signal(syscall.SIGTERM)
	if err := n2.cmd.Wait(); err != nil {
		t.Fatalf("n2 after SIGTERM: %v", err)
	}
	n2.args = nil
	c.start(n2)
	c.logged(n1, "level=INFO", "configuration now matches", "peer=n2")
	if got := metric(t, n1, `ensroute_peer_config_differs{peer="n2"}`); got != 0 {
		t.Fatalf("n1's ensroute_peer_config_differs for n2 once it matches: %v", got)
	}
	if d := differs(n1); d["n2"] != nil {
		t.Fatalf("n1's /healthz once n2 matches: config_differs %v", d["n2"])
	}
}

// TestSettingsWatchSaysWhatChanged: a member or a client configured as this node is
// passes in silence; one configured otherwise is warned of, naming what differs, and
// a member (not a client, whose id is new each run) is kept among those that differ
// until it connects again configured as this node, which the log says once.
func TestSettingsWatchSaysWhatChanged(t *testing.T) {
	var logs syncBuffer
	mine, other := []byte("semantics=default\nrouters=7\n"), []byte("semantics=riak\nrouters=7\n")
	w := newSettingsWatch(mine, map[router.NodeID]string{"n1": "127.0.0.1:1", "n2": "127.0.0.1:2"}, slog.New(slog.NewTextHandler(&logs, nil)))
	w.heard("ctl-1", 1, mine)
	w.heard("n2", 1, mine)
	if logs.String() != "" {
		t.Fatalf("a client and a member configured as this node: logged\n%s", logs.String())
	}
	w.heard("ctl-2", 1, other)
	if !strings.Contains(logs.String(), `level=WARN msg="a client (not in --peers) is configured differently`) ||
		!strings.Contains(logs.String(), `differs="semantics: ctl-2 has riak, this node default"`) || w.keys("ctl-2") != nil {
		t.Fatalf("a client configured otherwise: logged\n%s\nkept %v", logs.String(), w.keys("ctl-2"))
	}
	// Each run of a client has an id of its own: one configured alike is warned of
	// once a minute, however often it runs; one that differs otherwise at once.
	w.heard("ctl-3", 1, other)
	w.heard("ctl-4", 1, []byte("semantics=default\nrouters=3\n"))
	if got := strings.Count(logs.String(), "a client (not in --peers)"); got != 2 || !strings.Contains(logs.String(), "routers: ctl-4 has 3") {
		t.Fatalf("clients ctl-3 (as ctl-2) and ctl-4 (otherwise): %d warnings, want 2:\n%s", got, logs.String())
	}
	w.heard("n2", 2, other)
	if !strings.Contains(logs.String(), `msg="a connected node is configured differently`) || !strings.Contains(logs.String(), `peer=n2 incarnation=2 differs="semantics: n2 has riak, this node default"`) ||
		!slices.Equal(w.keys("n2"), []string{"semantics"}) {
		t.Fatalf("a member configured otherwise: logged\n%s\nkept %v", logs.String(), w.keys("n2"))
	}
	w.heard("n2", 3, mine)
	w.heard("n2", 4, mine)
	if got := strings.Count(logs.String(), "configuration now matches"); got != 1 || !strings.Contains(logs.String(), "peer=n2 incarnation=3") || w.keys("n2") != nil {
		t.Fatalf("n2 configured as this node again, twice: %d lines say it matches, kept %v:\n%s", got, w.keys("n2"), logs.String())
	}
}

// TestEnsemblesCompared: a member whose ensembles differ from this node's (a rolling
// change of --ensemble, half done) shows on /healthz with config_differs
// ["ensembles"]. n1 runs in this process on loopback; its peer n2 is a transport the
// test drives, stating the settings of an ensnode n2 with one more ensemble.
func TestEnsemblesCompared(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	secret := []byte("long-enough-secret")
	_ = os.WriteFile(secretFile, secret, 0o600)
	addr2 := realcluster.FreeAddr()
	addr, admin := startNode(t, secretFile, "n2="+addr2, "--ensemble", "e1=n1,n2")
	o, err := parse([]string{"--id", "n2", "--peers", "n1=" + addr + ",n2=" + addr2, "--secret-file", secretFile,
		"--ensemble", "e1=n1,n2", "--ensemble", "e2=n2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := nettransport.New(nettransport.Config{ID: "n2", Incarnation: 1, Cluster: "ensroute", Secret: secret,
		Peers: map[router.NodeID]string{"n1": addr}, Settings: o.Settings(true), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	n2.Attach(discard{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := n2.Connect(ctx, "n1")
		cancel()
		var h health
		body := get(t, admin, "/healthz")
		// n2 states its settings once connected: n1 hears them a moment later.
		if err == nil && json.Unmarshal([]byte(body), &h) == nil && len(h.Peers) == 1 && h.Peers[0].Connected && h.Peers[0].ConfigDiffers != nil {
			if !slices.Equal(h.Peers[0].ConfigDiffers, []string{"ensembles"}) {
				t.Fatalf("/healthz of n1: %s, want n2's config_differs [\"ensembles\"]", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("n2 never connected, or n1 never found its settings to differ: %v, /healthz %s", err, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
