package load

import (
	"context"
	"fmt"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Caller makes one call and returns its outcome (driver.Node is one).
type Caller interface {
	Call(ctx context.Context, t router.Target, event []byte) (router.Result, error)
}

// Target is where a call goes: an ensemble, resolved by the routers of Via (empty: the
// caller's own node).
type Target struct {
	Ensemble router.EnsembleID
	Via      router.NodeID
}

// Config is a load to run. Start fills in defaults; Validate changes nothing.
type Config struct {
	// Caller makes the calls. Required.
	Caller Caller
	// Targets are used in turn, call after call. At least one.
	Targets []Target
	// Callers is the number of closed-loop callers, each making its next call when the
	// last one ends; with Rate, the most calls in flight at once. Default 16.
	Callers int
	// Rate, if above 0, makes the load open: calls start at Rate per second whatever
	// the answers do; a call due while Callers are in flight is not started, only
	// counted (Summary.Skipped).
	Rate float64
	// Calls, if above 0, stops the load after that many calls.
	Calls int64
	// Timeout is each call's deadline, from its start. Required.
	Timeout time.Duration
	// Slack is how long past its deadline a call may end before it counts as a
	// violation (scheduling delay on a busy machine). Default 0.
	Slack time.Duration
	// Fast is the latency under which a failure counts as fast (Outcomes.Fast).
	// Default Timeout/10.
	Fast time.Duration
	// Name prefixes the token of every call's event ("echo NAME-WORKER-SEQ"). Default
	// "load".
	Name string
}

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	switch {
	case c.Caller == nil:
		return fmt.Errorf("%w: Caller is nil", ErrBadConfig)
	case len(c.Targets) == 0:
		return fmt.Errorf("%w: no Targets", ErrBadConfig)
	case c.Timeout <= 0:
		return fmt.Errorf("%w: Timeout %v is not positive", ErrBadConfig, c.Timeout)
	case c.Callers < 0, c.Rate < 0, c.Calls < 0, c.Slack < 0, c.Fast < 0:
		return fmt.Errorf("%w: Callers, Rate, Calls, Slack or Fast is negative", ErrBadConfig)
	}
	for i, t := range c.Targets {
		if t.Ensemble == "" {
			return fmt.Errorf("%w: Targets[%d] has no ensemble", ErrBadConfig, i)
		}
	}
	return nil
}

func (c *Config) fill() {
	if c.Callers == 0 {
		c.Callers = 16
	}
	if c.Fast == 0 {
		c.Fast = c.Timeout / 10
	}
	if c.Name == "" {
		c.Name = "load"
	}
}
