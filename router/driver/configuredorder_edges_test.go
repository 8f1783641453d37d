package driver_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/google/go-cmp/cmp"
)

// TestConfiguredLeaderIsTheNewestEntry: of several Config.Directory entries for one
// ensemble the newest version is the one the node starts with, whatever their order,
// and so the one a later change says it replaced as configured. Kept in the order
// given, the older entry listed last stood for the configuration, and the change
// was logged as if the node had learned the leader it replaced.
func TestConfiguredLeaderIsTheNewestEntry(t *testing.T) {
	var logged bytes.Buffer
	c := newCluster(t, true)
	a, b, old := ref("e9", "n1"), ref("e9", "n2"), ref("e9", "n3")
	n1 := c.add("n1", func(cfg *driver.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.Directory = []router.Entry{{Ensemble: "e9", Leader: a, Version: 2}, {Ensemble: "e9", Leader: old, Version: 1}}
	})
	if got, _ := n1.Lookup("e9"); got.Leader != a || got.Version != 2 {
		t.Fatalf("n1 starts with e9 led by %v at version %d, want %v at 2 (the newest entry)", got.Leader, got.Version, a)
	}
	n1.Learn(router.Entry{Ensemble: "e9", Leader: b, Version: 5})
	want := []string{
		`INFO msg="leader changed" node=n1 ensemble=e9 leader=e9/p-n2@n2 version=5 was="e9/p-n1@n1 (configured)"`,
	}
	if diff := cmp.Diff(want, e9Lines(&logged)); diff != "" {
		t.Errorf("log lines about e9 (-want +got):\n%s", diff)
	}
}
