package driver_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

type dropTransport struct{}

func (dropTransport) Send(router.NodeID, *router.Message) error { return nil }

// TestConfigLimits: router instances and mailboxes past what a node can allocate up
// front are refused by New, naming the field, before anything is allocated; the
// largest allowed values pass Validate.
func TestConfigLimits(t *testing.T) {
	for _, tc := range []struct {
		name             string
		routers, mailbox int
		want             string // "" for valid
	}{
		{name: "defaults", want: ""},
		{name: "most routers", routers: router.MaxRouters, mailbox: driver.MaxQueued / router.MaxRouters},
		{name: "too many routers", routers: router.MaxRouters + 1, want: "Routers 1025 is not in 0..1024"},
		{name: "negative routers", routers: -1, want: "Routers -1 is not in 0..1024"},
		{name: "negative mailbox", mailbox: -1, want: "Mailbox -1 is negative"},
		{name: "mailboxes too large", routers: router.MaxRouters, mailbox: driver.MaxQueued/router.MaxRouters + 1, want: "Mailbox 1025 times Routers 1024 is over MaxQueued 1048576"},
		{name: "default routers, huge mailbox", mailbox: 1 << 30, want: "Mailbox 1073741824 times Routers 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := driver.Config{ID: "n1", Transport: dropTransport{}, Routers: tc.routers, Mailbox: tc.mailbox}
			checkValidate(t, cfg, tc.want)
		})
	}
}

// nilTransport is a transport whose nil pointer would panic when used: what a failed
// constructor whose error was ignored returns.
type nilTransport struct{ n int }

func (t *nilTransport) Send(router.NodeID, *router.Message) error { t.n++; return nil }

// TestValidateIsNew: Validate accepts exactly the configs New accepts, and what New
// refuses it refuses with ErrBadConfig, naming the field: the fields the driver hands
// the router core (Semantics, HopLimit), a directory entry that Learn would refuse,
// more Shards than MaxShards, a transport that is a nil pointer. Validate used to pass
// some that New then refused with the core's error, not ErrBadConfig, and to pass
// directory entries that anti-entropy then sent to members that refused them.
func TestValidateIsNew(t *testing.T) {
	p := func(e, node string) router.PeerRef {
		return router.PeerRef{Ensemble: router.EnsembleID(e), Name: "p-" + node, Node: router.NodeID(node)}
	}
	for _, tc := range []struct {
		name string
		edit func(*driver.Config)
		want string
	}{
		{"hop limit", func(c *driver.Config) { c.HopLimit = -1 }, "HopLimit -1 is not in 0..65535"},
		{"hop limit past what a transport carries", func(c *driver.Config) { c.HopLimit = 70000 }, "HopLimit 70000 is not in 0..65535"},
		{"semantics", func(c *driver.Config) { c.Semantics = 9 }, "Semantics 9 is unknown"},
		{"shards", func(c *driver.Config) { c.Shards = driver.MaxShards + 1 }, "Shards 1025 is not in 0..1024"},
		{"gossip interval too short", func(c *driver.Config) { c.GossipInterval = time.Microsecond }, "GossipInterval 1µs is below 1ms"},
		{"gossip interval negative", func(c *driver.Config) { c.GossipInterval = -time.Second }, "GossipInterval -1s is negative"},
		{"no transport", func(c *driver.Config) { c.Transport = nil }, "Transport is nil"},
		{"nil transport", func(c *driver.Config) { c.Transport = (*nilTransport)(nil) }, "Transport is a nil *driver_test.nilTransport"},
		{"leader of another ensemble", func(c *driver.Config) {
			c.Directory = []router.Entry{{Ensemble: "e1", Leader: p("e1", "n1"), Version: 1}, {Ensemble: "e2", Leader: p("e3", "n2"), Version: 1}}
		}, "Directory[1] (e2=e3/p-n2@n2@v1): an entry's leader is a peer of another ensemble"},
		{"no ensemble", func(c *driver.Config) { c.Directory = []router.Entry{{Version: 1}} }, "Directory[0] (=-@v1): an entry names no ensemble"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := driver.Config{ID: "n1", Transport: dropTransport{}}
			tc.edit(&cfg)
			if err := cfg.Validate(); !errors.Is(err, driver.ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want ErrBadConfig naming %q", err, tc.want)
			}
			if _, err := driver.New(cfg); !errors.Is(err, driver.ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want ErrBadConfig naming %q", err, tc.want)
			}
		})
	}
	t.Run("drawn configs", rapid.MakeCheck(func(t *rapid.T) {
		entry := rapid.Custom(func(t *rapid.T) router.Entry {
			return router.Entry{
				Ensemble: router.EnsembleID(rapid.SampledFrom([]string{"", "e1", "e2"}).Draw(t, "ensemble")),
				Leader:   rapid.SampledFrom([]router.PeerRef{{}, p("e1", "n1"), p("e2", "n2"), {Ensemble: "e1", Node: "n1"}}).Draw(t, "leader"),
				Version:  rapid.Uint64Range(0, 2).Draw(t, "version"),
			}
		})
		cfg := driver.Config{
			ID:        "n1",
			Transport: dropTransport{},
			Semantics: router.Semantics(rapid.SampledFrom([]uint8{0, 1, 2}).Draw(t, "semantics")),
			Routers:   rapid.SampledFrom([]int{-1, 0, 1, 3}).Draw(t, "routers"),
			HopLimit:  rapid.SampledFrom([]int{-1, 0, 4}).Draw(t, "hops"),
			Shards:    rapid.SampledFrom([]int{-1, 0, 1, 3, driver.MaxShards + 1}).Draw(t, "shards"),
			Mailbox:   rapid.SampledFrom([]int{-1, 0, 1}).Draw(t, "mailbox"),
			Directory: rapid.SliceOfN(entry, 0, 3).Draw(t, "directory"),
		}
		verr := cfg.Validate()
		n, nerr := driver.New(cfg)
		if n != nil {
			_ = n.Close()
		}
		if (verr == nil) != (nerr == nil) || nerr != nil && !errors.Is(nerr, driver.ErrBadConfig) {
			t.Fatalf("Validate: %v; New: %v", verr, nerr)
		}
	}))
}

// checkValidate checks that cfg.Validate refuses cfg with ErrBadConfig naming want,
// and New too; or, for a want of "", that Validate takes it.
func checkValidate(t *testing.T, cfg driver.Config, want string) {
	t.Helper()
	err := cfg.Validate()
	if want == "" {
		if err != nil {
			t.Fatalf("Validate: %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, driver.ErrBadConfig) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Validate: %v, want ErrBadConfig naming %q", err, want)
	}
	if _, err := driver.New(cfg); !errors.Is(err, driver.ErrBadConfig) {
		t.Fatalf("New: %v, want ErrBadConfig", err)
	}
}
