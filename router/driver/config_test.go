package driver_test

import (
	"errors"
	"strings"
	"testing"

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
			if _, err := driver.New(cfg); !errors.Is(err, driver.ErrBadConfig) {
				t.Fatalf("New: %v, want ErrBadConfig", err)
			}
		})
	}
}
