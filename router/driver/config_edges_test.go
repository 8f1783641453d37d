package driver_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestConfigBoundsAccepted: each bound Validate holds a field to is itself accepted
// (GossipInterval of MinGossipInterval, as Config's doc says: "at least"; Shards of
// MaxShards; HopLimit of MaxHopLimit), and the value just past it is refused, naming
// the field.
func TestConfigBoundsAccepted(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*driver.Config)
		want string // "" for valid
	}{
		{name: "gossip interval at its least", edit: func(c *driver.Config) { c.GossipInterval = driver.MinGossipInterval }},
		{name: "gossip interval under its least", edit: func(c *driver.Config) { c.GossipInterval = driver.MinGossipInterval - time.Nanosecond },
			want: "GossipInterval 999.999µs is below 1ms"},
		{name: "most shards", edit: func(c *driver.Config) { c.Shards = driver.MaxShards }},
		{name: "hop limit at its most", edit: func(c *driver.Config) { c.HopLimit = router.MaxHopLimit }},
		{name: "hop limit past its most", edit: func(c *driver.Config) { c.HopLimit = router.MaxHopLimit + 1 }, want: "HopLimit 65536 is not in 0..65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := driver.Config{ID: "n1", Transport: dropTransport{}}
			tc.edit(&cfg)
			err := cfg.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, driver.ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want ErrBadConfig naming %q", err, tc.want)
			}
		})
	}
}
