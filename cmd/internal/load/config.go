package load

import (
	"context"
	"fmt"
	"math"
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
	// counted (Summary.Skipped). CheckRate says which rates are valid.
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
	case c.Callers < 0:
		return fmt.Errorf("%w: Callers %d is negative", ErrBadConfig, c.Callers)
	case c.Calls < 0:
		return fmt.Errorf("%w: Calls %d is negative", ErrBadConfig, c.Calls)
	case c.Slack < 0:
		return fmt.Errorf("%w: Slack %v is negative", ErrBadConfig, c.Slack)
	case c.Fast < 0:
		return fmt.Errorf("%w: Fast %v is negative", ErrBadConfig, c.Fast)
	}
	if err := CheckRate(c.Rate); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	for i, t := range c.Targets {
		if t.Ensemble == "" {
			return fmt.Errorf("%w: Targets[%d] has no ensemble", ErrBadConfig, i)
		}
	}
	return nil
}

// CheckRate reports whether an open load can start calls at rate per second: 0 (a
// closed loop) or a rate whose interval between calls, 1s/rate, is a positive
// time.Duration, from 1ns to about 292 years (a rate from about 1.08e-10 to 1e9). It
// refuses a negative rate; NaN, which would run a closed loop; +Inf and rates above
// 1e9, whose interval rounds to 0, so that the load would start calls without a
// pause, for ever; and rates below that, whose interval overflows. The error names
// the field, Rate, and the value.
func CheckRate(rate float64) error {
	if rate == 0 {
		return nil
	}
	if rate < 0 {
		return fmt.Errorf("Rate %v is negative", rate)
	}
	if iv := float64(time.Second) / rate; !(iv >= 1 && iv < math.MaxInt64) { // NaN fails both
		return fmt.Errorf("Rate %v calls a second: want 0 (a closed loop) or a rate whose interval 1s/Rate fits a time.Duration, 1ns to 292 years: from 1e9 down to about 1.08e-10", rate)
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
