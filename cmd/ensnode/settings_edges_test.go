package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestClientWarningsByValue: clients configured otherwise are warned of once a minute
// for each way they differ, the value they give included: a client with --routers 3
// and then one with --routers 5 are two warnings, a third with --routers 3 none.
func TestClientWarningsByValue(t *testing.T) {
	var logs syncBuffer
	w := newSettingsWatch([]byte("semantics=default\nrouters=7\n"), map[router.NodeID]string{"n1": "127.0.0.1:1"},
		slog.New(slog.NewTextHandler(&logs, nil)))
	w.heard("ctl-1", 1, []byte("semantics=default\nrouters=3\n"))
	w.heard("ctl-2", 1, []byte("semantics=default\nrouters=5\n"))
	w.heard("ctl-3", 1, []byte("semantics=default\nrouters=3\n"))
	var warned []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "a client (not in --peers)") {
			_, peer, _ := strings.Cut(line, " peer=")
			peer, _, _ = strings.Cut(peer, " ")
			warned = append(warned, peer)
		}
	}
	if strings.Join(warned, " ") != "ctl-1 ctl-2" {
		t.Fatalf("warned of %q, want ctl-1 and ctl-2:\n%s", warned, logs.String())
	}
}
