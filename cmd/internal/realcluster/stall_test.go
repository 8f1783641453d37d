package realcluster

import (
	"strings"
	"testing"
	"time"
)

// TestStalledNodeSaysSo: n2 is frozen with SIGSTOP for longer than the heartbeat
// timeout (3s), then thawed. Its peers gave up on it meanwhile, so it comes back to
// connections that are overdue or closed. Its log says first that it did not run for
// a while, and then reports no peer as silent past the heartbeat timeout: the silence
// was its own. It is connected to both peers again soon after.
func TestStalledNodeSaysSo(t *testing.T) {
	c, _ := startCluster(t)
	n2 := c.Node("n2")
	if err := n2.Pause(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if err := n2.Resume(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "n2 connected to n1 and n3 again, after its stall warning", func() (bool, string) {
		h, err := n2.Health(t.Context())
		if err != nil {
			return false, err.Error()
		}
		return n2.Logged("did not run for a while") && h.Connected("n1") && h.Connected("n3"), n2.Log()
	})
	time.Sleep(4 * time.Second) // past another heartbeat timeout: a late verdict would be in
	log := n2.Log()
	warned := strings.Index(log, "did not run for a while")
	if first := strings.Index(log, "disconnected"); first >= 0 && first < warned {
		t.Errorf("a disconnection logged before the stall warning:\n%s", log)
	}
	if strings.Contains(log, "peer silent past the heartbeat timeout") {
		t.Errorf("n2 blamed a peer for the silence of its own stall:\n%s", log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "msg=disconnected") && !strings.Contains(line, "found this node silent while it stalled") {
			t.Errorf("a disconnection after the stall that does not say why: %s", line)
		}
	}
	t.Logf("n2's log:\n%s", log)
}
