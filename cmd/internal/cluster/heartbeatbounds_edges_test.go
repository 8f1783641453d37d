package cluster_test

import (
	"strings"
	"testing"
	"time"
)

// TestHugeHeartbeatIntervalAlone: a --heartbeat-interval given alone takes a timeout
// of twice it; one past its bound (a day) is refused naming it and the bound, where
// doubled it overflowed to a negative timeout, and the flags were refused for a
// "--heartbeat-timeout 3s" that was never given.
func TestHugeHeartbeatIntervalAlone(t *testing.T) {
	for _, v := range []string{"2000000h", "25h"} {
		_, err := resolveHeartbeat(t, "--heartbeat-interval", v)
		if err == nil || !strings.Contains(err.Error(), "--heartbeat-interval "+v[:len(v)-1]) || !strings.Contains(err.Error(), "want at most 24h0m0s") {
			t.Errorf("--heartbeat-interval %s alone: %v, want it refused naming the flag and its bound", v, err)
		}
	}
	if h, err := resolveHeartbeat(t, "--heartbeat-interval", "24h"); err != nil || h.Timeout != 48*time.Hour {
		t.Fatalf("--heartbeat-interval 24h alone: timeout %v, %v; want 48h", h.Timeout, err)
	}
	if h, err := resolveHeartbeat(t, "--heartbeat-interval", "10s"); err != nil || h.Timeout != 20*time.Second {
		t.Fatalf("--heartbeat-interval 10s alone: timeout %v, %v; want 20s", h.Timeout, err)
	}
}
