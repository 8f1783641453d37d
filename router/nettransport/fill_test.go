package nettransport

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestFillDefaults: the durations a Config leaves zero get their defaults, and those
// that follow another setting follow it: a heartbeat timeout of at least two
// intervals, a backoff ceiling at least its floor, and a reply hold that outlasts a
// client's redial at the backoff ceiling (BackoffMax and a quarter of jitter, and
// half a second to connect), and a goodbye's limit at least its timeout. What a
// Config sets is kept.
func TestFillDefaults(t *testing.T) {
	type durations struct {
		HeartbeatInterval, HeartbeatTimeout, BackoffMin, BackoffMax, ReplyHold, HandshakeTimeout, GoodbyeTimeout, GoodbyeLimit time.Duration
	}
	of := func(c Config) durations {
		c.fill()
		return durations{c.HeartbeatInterval, c.HeartbeatTimeout, c.BackoffMin, c.BackoffMax, c.ReplyHold, c.HandshakeTimeout, c.GoodbyeTimeout, c.GoodbyeLimit}
	}
	defaults := durations{DefaultHeartbeatInterval, DefaultHeartbeatTimeout, DefaultBackoffMin, DefaultBackoffMax, DefaultReplyHold, DefaultHandshakeTimeout, DefaultGoodbyeTimeout, DefaultGoodbyeLimit}
	with := func(edit func(*durations)) durations {
		d := defaults
		edit(&d)
		return d
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want durations
	}{
		{"zero", Config{}, defaults},
		{"slow heartbeats", Config{HeartbeatInterval: 10 * time.Second},
			with(func(d *durations) { d.HeartbeatInterval, d.HeartbeatTimeout = 10*time.Second, 20*time.Second })},
		{"a high backoff floor", Config{BackoffMin: time.Minute},
			with(func(d *durations) {
				d.BackoffMin, d.BackoffMax = time.Minute, time.Minute
				d.ReplyHold = 75*time.Second + 500*time.Millisecond
			})},
		{"a high backoff ceiling", Config{BackoffMax: 10 * time.Second},
			with(func(d *durations) { d.BackoffMax, d.ReplyHold = 10*time.Second, 13*time.Second })},
		{"a low backoff ceiling", Config{BackoffMax: 100 * time.Millisecond},
			with(func(d *durations) { d.BackoffMax = 100 * time.Millisecond })},
		{"all set", Config{HeartbeatInterval: 1, HeartbeatTimeout: 2, BackoffMin: 3, BackoffMax: 4, ReplyHold: 5, HandshakeTimeout: 6, GoodbyeTimeout: 7, GoodbyeLimit: 8},
			durations{1, 2, 3, 4, 5, 6, 7, 8}},
		{"a goodbye timeout past the limit's default", Config{GoodbyeTimeout: 10 * time.Second},
			with(func(d *durations) { d.GoodbyeTimeout, d.GoodbyeLimit = 10*time.Second, 10*time.Second })},
		{"no reply hold", Config{ReplyHold: -1}, with(func(d *durations) { d.ReplyHold = -1 })},
	} {
		if diff := cmp.Diff(tc.want, of(tc.cfg)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
