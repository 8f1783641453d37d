package cluster_test

import (
	"testing"
	"time"
)

// TestHugeHeartbeatIntervalAlone: a --heartbeat-interval given alone takes a timeout
// of twice it, and one past half the largest duration takes the largest: doubled,
// it overflowed to a negative timeout, and the flags were refused for a
// "--heartbeat-timeout 3s" that was never given.
func TestHugeHeartbeatIntervalAlone(t *testing.T) {
	h, err := resolveHeartbeat(t, "--heartbeat-interval", "2000000h")
	if err != nil {
		t.Fatalf("--heartbeat-interval 2000000h alone: %v", err)
	}
	if h.Timeout <= h.Interval {
		t.Fatalf("--heartbeat-interval 2000000h alone: timeout %v, want more than the interval", h.Timeout)
	}
	if h, err := resolveHeartbeat(t, "--heartbeat-interval", "10s"); err != nil || h.Timeout != 20*time.Second {
		t.Fatalf("--heartbeat-interval 10s alone: timeout %v, %v; want 20s", h.Timeout, err)
	}
}
