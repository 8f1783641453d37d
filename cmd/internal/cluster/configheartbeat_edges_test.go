package cluster_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// resolveConfig writes config to a --config file and resolves it with args after it;
// it returns the options and the file's path.
func resolveConfig(t *testing.T, config string, args ...string) (*cluster.Options, string, error) {
	t.Helper()
	dir := t.TempDir()
	secret, file := filepath.Join(dir, "secret"), filepath.Join(dir, "cluster.json")
	for p, b := range map[string]string{secret: "long-enough-secret", file: config} {
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	var o cluster.Options
	o.Register(fs)
	all := append([]string{"--config", file, "--secret-file", secret}, args...)
	if err := cluster.Parse(fs, all, io.Discard, func(io.Writer) {}, "prog -h"); err != nil {
		return &o, file, err
	}
	return &o, file, o.Resolve(fs)
}

const onePeer = `"peers": {"n1": "127.0.0.1:7001"}`

// TestConfigHeartbeatKeys: a --config file gives the heartbeat and redial settings
// too (heartbeat_interval, heartbeat_timeout, backoff_min, backoff_max), for an
// operator who keeps the cluster's settings in one file: each is the flag's value
// unless the flag is given, and a timeout or a longest wait left out follows the
// interval or the first wait given, whether the file or a flag gives it, as with the
// flags alone. The file had no such keys, and refused them as unknown.
func TestConfigHeartbeatKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		flags  []string
		want   cluster.Heartbeat
	}{
		{name: "all four", config: `{` + onePeer + `, "heartbeat_interval": "200ms", "heartbeat_timeout": "1s", "backoff_min": "10ms", "backoff_max": "5s"}`,
			want: cluster.Heartbeat{Interval: 200 * time.Millisecond, Timeout: time.Second, BackoffMin: 10 * time.Millisecond, BackoffMax: 5 * time.Second}},
		{name: "none: the defaults", config: `{` + onePeer + `}`,
			want: cluster.Heartbeat{Interval: 500 * time.Millisecond, Timeout: 3 * time.Second, BackoffMin: 50 * time.Millisecond, BackoffMax: 2 * time.Second}},
		{name: "the timeout and longest wait follow the file's", config: `{` + onePeer + `, "heartbeat_interval": "10s", "backoff_min": "3s"}`,
			want: cluster.Heartbeat{Interval: 10 * time.Second, Timeout: 20 * time.Second, BackoffMin: 3 * time.Second, BackoffMax: 3 * time.Second}},
		{name: "flags override the file", config: `{` + onePeer + `, "heartbeat_interval": "10s", "heartbeat_timeout": "30s", "backoff_max": "5s"}`,
			flags: []string{"--heartbeat-interval", "100ms", "--backoff-max", "1s"},
			want:  cluster.Heartbeat{Interval: 100 * time.Millisecond, Timeout: 30 * time.Second, BackoffMin: 50 * time.Millisecond, BackoffMax: time.Second}},
		{name: "the file's timeout with the flag's interval", config: `{` + onePeer + `, "heartbeat_timeout": "200ms"}`,
			flags: []string{"--heartbeat-interval", "100ms"},
			want:  cluster.Heartbeat{Interval: 100 * time.Millisecond, Timeout: 200 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 2 * time.Second}},
		{name: "the timeout follows the flag's interval", config: `{` + onePeer + `, "backoff_min": "1s"}`,
			flags: []string{"--heartbeat-interval", "4s"},
			want:  cluster.Heartbeat{Interval: 4 * time.Second, Timeout: 8 * time.Second, BackoffMin: time.Second, BackoffMax: 2 * time.Second}},
		// As written, where time.ParseDuration's floating point read 2.001999ms.
		{name: "a fraction of many digits read exactly", config: `{` + onePeer + `, "heartbeat_interval": "2.00200000000000000ms"}`,
			want: cluster.Heartbeat{Interval: 2002 * time.Microsecond, Timeout: 3 * time.Second, BackoffMin: 50 * time.Millisecond, BackoffMax: 2 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _, err := resolveConfig(t, tc.config, tc.flags...)
			if err != nil {
				t.Fatal(err)
			}
			h := o.Heartbeat
			if got := [4]time.Duration{h.Interval, h.Timeout, h.BackoffMin, h.BackoffMax}; got != [4]time.Duration{tc.want.Interval, tc.want.Timeout, tc.want.BackoffMin, tc.want.BackoffMax} {
				t.Fatalf("interval, timeout, backoff min and max %v; want %v, %v, %v, %v", got, tc.want.Interval, tc.want.Timeout, tc.want.BackoffMin, tc.want.BackoffMax)
			}
		})
	}
}

// TestConfigHeartbeatKeysRefused: the file's heartbeat values are checked as the
// flags' are, with the same bounds, and the error names the file and the key (and
// the other setting a bound is against, by its key or its flag); every value the
// file gives is checked, even one a flag overrides, as with the other keys. A value
// that is no duration, or null, is refused too.
func TestConfigHeartbeatKeysRefused(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		flags        []string
		want         string // after "--config FILE: "; "@" stands for "--config FILE"
	}{
		{name: "interval below 1ms", config: `"heartbeat_interval": "0s"`, want: "heartbeat_interval 0s: want at least 1ms"},
		{name: "interval past a day", config: `"heartbeat_interval": "25h"`, want: "heartbeat_interval 25h0m0s: want at most 24h0m0s"},
		{name: "timeout not above the file's interval", config: `"heartbeat_interval": "2s", "heartbeat_timeout": "1s"`,
			want: "heartbeat_timeout 1s: want more than heartbeat_interval 2s (a connection would be closed between two pings)"},
		{name: "timeout not above the default interval", config: `"heartbeat_timeout": "200ms"`,
			want: "heartbeat_timeout 200ms: want more than --heartbeat-interval 500ms"},
		{name: "timeout not above the flag's interval", config: `"heartbeat_timeout": "2s"`, flags: []string{"--heartbeat-interval", "5s"},
			want: "heartbeat_timeout 2s: want more than --heartbeat-interval 5s"},
		{name: "backoff_min not positive", config: `"backoff_min": "0s"`, want: "backoff_min 0s: want a positive duration"},
		{name: "backoff_min past an hour", config: `"backoff_min": "2h"`, want: "backoff_min 2h0m0s: want at most 1h0m0s"},
		{name: "backoff_max past an hour", config: `"backoff_max": "2h"`, want: "backoff_max 2h0m0s: want at most 1h0m0s"},
		{name: "backoff_max below the file's backoff_min", config: `"backoff_min": "3s", "backoff_max": "1s"`, want: "backoff_max 1s: want at least backoff_min 3s"},
		{name: "backoff_max below the flag's", config: `"backoff_max": "10ms"`, flags: []string{"--backoff-min", "1s"},
			want: "backoff_max 10ms: want at least --backoff-min 1s"},
		{name: "checked though a flag overrides it", config: `"heartbeat_interval": "-1s"`, flags: []string{"--heartbeat-interval", "1s"},
			want: "heartbeat_interval -1s: want at least 1ms"},
		{name: "not a duration", config: `"backoff_max": "soon"`, want: `backoff_max: "soon": want a duration such as 500ms`},
		{name: "below a nanosecond", config: `"heartbeat_timeout": "3.0000000005s"`,
			want: `heartbeat_timeout: "3.0000000005s": not a whole number of nanoseconds, the finest a duration holds (3s would be read)`},
		{name: "a number", config: `"heartbeat_timeout": 3`, want: `heartbeat_timeout: got the number 3, want a duration such as "500ms" or "2s"`},
		{name: "null", config: `"heartbeat_interval": null`, want: `heartbeat_interval is null: want a duration such as "500ms" or "2s" (leave the key out for the default)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, file, err := resolveConfig(t, `{`+onePeer+`, `+tc.config+`}`, tc.flags...)
			want := "--config " + file + ": " + tc.want
			if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), cluster.ErrUsage.Error()) {
				t.Fatalf("got %v\nwant ErrUsage with %q", err, want)
			}
		})
	}
	// A flag's bound against the file's value names the file's key.
	_, file, err := resolveConfig(t, `{`+onePeer+`, "heartbeat_interval": "2s"}`, "--heartbeat-timeout", "1s")
	if want := "--heartbeat-timeout 1s: want more than heartbeat_interval 2s of --config " + file + " ("; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %q", err, want)
	}
}

// TestConfigChangedHeartbeat: ConfigChanged, which a node's SIGHUP asks, covers the
// heartbeat keys as it does the others: a changed value is named, unless a flag
// overrides it; a default or a timeout that follows the interval, spelled out, is
// no change; a value the start would refuse is an error naming the key.
func TestConfigChangedHeartbeat(t *testing.T) {
	start := `{` + onePeer + `, "heartbeat_interval": "1s", "backoff_min": "100ms"}`
	for _, tc := range []struct {
		name, then string
		flags      []string
		want       []string
		err        string
	}{
		{name: "unchanged", then: start},
		{name: "defaults spelled out", then: `{` + onePeer + `, "heartbeat_interval": "1s", "heartbeat_timeout": "3s", "backoff_min": "100ms", "backoff_max": "2s"}`},
		{name: "interval changed", then: `{` + onePeer + `, "heartbeat_interval": "900ms", "backoff_min": "100ms"}`, want: []string{"heartbeat_interval"}},
		{name: "timeout added", then: `{` + onePeer + `, "heartbeat_interval": "1s", "heartbeat_timeout": "5s", "backoff_min": "100ms"}`, want: []string{"heartbeat_timeout"}},
		{name: "backoff removed, max added", then: `{` + onePeer + `, "heartbeat_interval": "1s", "backoff_max": "10s"}`, want: []string{"backoff_min", "backoff_max"}},
		{name: "overridden by a flag", flags: []string{"--backoff-min", "20ms"},
			then: `{` + onePeer + `, "heartbeat_interval": "1s", "backoff_min": "300ms"}`},
		{name: "a value the start refuses", then: `{` + onePeer + `, "heartbeat_interval": "1s", "heartbeat_timeout": "1s"}`,
			err: "heartbeat_timeout 1s: want more than heartbeat_interval 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, file, err := resolveConfig(t, start, tc.flags...)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(tc.then), 0o600); err != nil {
				t.Fatal(err)
			}
			changed, err := o.ConfigChanged(nil)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), "--config "+file+": "+tc.err)):
				t.Fatalf("got %v, %v; want an error with %q", changed, err, tc.err)
			case tc.err == "" && (err != nil || !slices.Equal(changed, tc.want)):
				t.Fatalf("changed %q, %v; want %q", changed, err, tc.want)
			}
		})
	}
}
