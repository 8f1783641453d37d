package router_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

func TestErrorsIs(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{name: "timeout is a deadline exceeded", err: router.ErrTimeout, target: context.DeadlineExceeded, want: true},
		{name: "wrapped timeout is a deadline exceeded", err: fmt.Errorf("call e1: %w", router.ErrTimeout), target: context.DeadlineExceeded, want: true},
		{name: "timeout is itself", err: router.ErrTimeout, target: router.ErrTimeout, want: true},
		{name: "timeout is not a cancellation", err: router.ErrTimeout, target: context.Canceled, want: false},
		{name: "deadline exceeded is not a router timeout", err: context.DeadlineExceeded, target: router.ErrTimeout, want: false},
		{name: "no leader is not a deadline exceeded", err: router.ErrNoLeader, target: context.DeadlineExceeded, want: false},
		{name: "not leader is not no leader", err: router.ErrNotLeader, target: router.ErrNoLeader, want: false},
		{name: "wrapped hop limit", err: fmt.Errorf("x: %w", router.ErrHopLimit), target: router.ErrHopLimit, want: true},
		{name: "bad config wraps", err: router.Config{}.Validate(), target: router.ErrBadConfig, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(tc.err, tc.target); got != tc.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tc.err, tc.target, got, tc.want)
			}
		})
	}
}

func TestCodeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		code router.Code
		err  error
		back router.Code // CodeOf(code.Err())
	}{
		{name: "ok", code: router.CodeOK, err: nil, back: router.CodeOK},
		{name: "timeout", code: router.CodeTimeout, err: router.ErrTimeout, back: router.CodeTimeout},
		{name: "no-leader", code: router.CodeNoLeader, err: router.ErrNoLeader, back: router.CodeNoLeader},
		{name: "not-leader", code: router.CodeNotLeader, err: router.ErrNotLeader, back: router.CodeNotLeader},
		{name: "unreachable", code: router.CodeUnreachable, err: router.ErrUnreachable, back: router.CodeUnreachable},
		{name: "hop-limit", code: router.CodeHopLimit, err: router.ErrHopLimit, back: router.CodeHopLimit},
		{name: "overloaded", code: router.CodeOverloaded, err: router.ErrOverloaded, back: router.CodeOverloaded},
		// A nack is what a peer answers; the caller sees ErrNotLeader, whose code is not-leader.
		{name: "nack", code: router.CodeNack, err: router.ErrNotLeader, back: router.CodeNotLeader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.code.Valid() {
				t.Errorf("%v.Valid() = false", tc.code)
			}
			if got := tc.code.String(); got != tc.name {
				t.Errorf("String() = %q, want %q", got, tc.name)
			}
			err := tc.code.Err()
			if err != tc.err {
				t.Errorf("%v.Err() = %v, want %v", tc.code, err, tc.err)
			}
			if got := router.CodeOf(err); got != tc.back {
				t.Errorf("CodeOf(%v.Err()) = %v, want %v", tc.code, got, tc.back)
			}
			if err != nil {
				if got := router.CodeOf(fmt.Errorf("wrapped: %w", err)); got != tc.back {
					t.Errorf("CodeOf(wrapped %v) = %v, want %v", err, got, tc.back)
				}
			}
		})
	}
}

func TestCodeOfForeignErrors(t *testing.T) {
	// The original turns any failure into timeout; so does CodeOf for errors the router
	// does not define, and an unknown code decodes to ErrTimeout.
	tests := []struct {
		name string
		err  error
		want router.Code
	}{
		{name: "deadline exceeded", err: context.DeadlineExceeded, want: router.CodeTimeout},
		{name: "other error", err: errors.New("disk on fire"), want: router.CodeTimeout},
		{name: "bad config is not a reply code", err: router.ErrBadConfig, want: router.CodeTimeout},
		// A request too large did not run: unreachable, with its text.
		{name: "too large", err: fmt.Errorf("frame limit: %w", router.ErrTooLarge), want: router.CodeUnreachable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := router.CodeOf(tc.err); got != tc.want {
				t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if !errors.Is(router.ErrTooLarge, router.ErrUnreachable) || router.ErrTooLarge.Error() != router.ErrUnreachable.Error() {
		t.Errorf("ErrTooLarge = %q, matching ErrUnreachable %v; want it, with its text", router.ErrTooLarge, errors.Is(router.ErrTooLarge, router.ErrUnreachable))
	}
	bad := router.Code(200)
	if bad.Valid() || bad.String() != "code?" || bad.Err() != router.ErrTimeout {
		t.Errorf("Code(200): Valid=%v String=%q Err=%v, want false, code?, timeout", bad.Valid(), bad.String(), bad.Err())
	}
}

type fakeClock struct{}

func (fakeClock) Now() time.Duration                               { return 0 }
func (fakeClock) After(time.Duration, router.Timer) router.TimerID { return 0 }
func (fakeClock) Stop(router.TimerID)                              {}

type fakeTransport struct{}

func (fakeTransport) Send(router.NodeID, *router.Message) error { return nil }

func TestConfigValidate(t *testing.T) {
	valid := router.Config{ID: "n1", Clock: fakeClock{}, Transport: fakeTransport{}, Rand: rand.New(rand.NewPCG(1, 2))}
	tests := []struct {
		name  string
		edit  func(*router.Config)
		field string // the field the error names; empty for a valid config
	}{
		{name: "valid", edit: func(*router.Config) {}},
		{name: "valid riak with zero counts (defaults)", edit: func(c *router.Config) { c.Semantics = router.Riak }},
		{name: "empty id", edit: func(c *router.Config) { c.ID = "" }, field: "ID"},
		{name: "unknown semantics", edit: func(c *router.Config) { c.Semantics = 7 }, field: "Semantics"},
		{name: "negative routers", edit: func(c *router.Config) { c.Routers = -1 }, field: "Routers"},
		{name: "negative hop limit", edit: func(c *router.Config) { c.HopLimit = -1 }, field: "HopLimit"},
		{name: "the largest hop limit", edit: func(c *router.Config) { c.HopLimit = router.MaxHopLimit }},
		{name: "a hop limit past the largest", edit: func(c *router.Config) { c.HopLimit = router.MaxHopLimit + 1 }, field: "HopLimit"},
		{name: "no clock", edit: func(c *router.Config) { c.Clock = nil }, field: "Clock"},
		{name: "no transport", edit: func(c *router.Config) { c.Transport = nil }, field: "Transport"},
		{name: "no rand", edit: func(c *router.Config) { c.Rand = nil }, field: "Rand"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.edit(&cfg)
			err := cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if _, err := router.New(cfg); err != nil {
					t.Fatalf("New() = %v, want a node", err)
				}
				return
			}
			if !errors.Is(err, router.ErrBadConfig) {
				t.Fatalf("Validate() = %v, want ErrBadConfig", err)
			}
			if !strings.Contains(err.Error(), ": "+tc.field+" ") {
				t.Errorf("Validate() = %q, want it to name the field %s", err, tc.field)
			}
			if _, nerr := router.New(cfg); !errors.Is(nerr, router.ErrBadConfig) {
				t.Errorf("New() = %v, want the same ErrBadConfig", nerr)
			}
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	n, err := router.New(router.Config{ID: "n1", Clock: fakeClock{}, Transport: fakeTransport{}, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	if n.Routers() != router.DefaultRouters || n.Semantics() != router.Default {
		t.Errorf("Routers=%d Semantics=%v, want %d default", n.Routers(), n.Semantics(), router.DefaultRouters)
	}
}
