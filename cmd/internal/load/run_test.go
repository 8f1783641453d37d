package load

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/ensroute/ensroute/router"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// callerFunc adapts a function to Caller.
type callerFunc func(ctx context.Context, t router.Target, ev []byte) (router.Result, error)

func (f callerFunc) Call(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
	return f(ctx, t, ev)
}

func answer(t router.Target, v []byte) (router.Result, error) {
	return router.Result{Value: v, Peer: router.PeerRef{Ensemble: t.Ensemble, Name: "n1", Node: "n1"}}, nil
}

// TestChecksCatchBugs: each check of a call reports the bug it exists for, and a
// correct caller breaks none. Time is virtual (synctest): a correct caller ends
// exactly at its deadline, and a late one exactly 30ms after it, on any machine.
func TestChecksCatchBugs(t *testing.T) {
	var block chan struct{} // made in each bubble
	for _, tc := range []struct {
		name string
		call callerFunc
		want string // "" for no violation
	}{
		{name: "correct", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			return answer(t, ev)
		}},
		{name: "correct timeout", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			<-ctx.Done()
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}},
		{name: "answer of another call", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			return answer(t, []byte("echo load-0-0"))
		}, want: "reply-matches-call: answered"},
		{name: "answer from another ensemble", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			return router.Result{Value: ev, Peer: router.PeerRef{Ensemble: "other", Name: "n1", Node: "n1"}}, nil
		}, want: "a peer of another ensemble"},
		{name: "late", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			<-ctx.Done()
			<-time.After(30 * time.Millisecond) // a call that outlives its deadline
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}, want: "past their deadline by more than the slack 5ms"},
		{name: "early timeout", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}, want: "before its 20ms deadline"},
		{name: "never returns", call: func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			<-block
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}, want: "exactly-once: 2 calls never returned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				block = make(chan struct{})
				defer close(block)
				r, err := Start(context.Background(), Config{Caller: tc.call, Targets: []Target{{Ensemble: "e1"}},
					Callers: 2, Calls: 6, Timeout: 20 * time.Millisecond, Slack: 5 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				select {
				case <-r.Done():
				case <-time.After(300 * time.Millisecond): // "never returns" never ends
				}
				s := r.Stop(50 * time.Millisecond)
				err = s.Check()
				switch {
				case tc.want == "" && err != nil:
					t.Fatalf("violations from a correct caller: %v", err)
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
					t.Fatalf("got %v, want a violation with %q", err, tc.want)
				}
			})
		})
	}
}

// TestPhasesAndFast: calls are counted under the phase they started in, and failures
// under Fast are counted as fast.
func TestPhasesAndFast(t *testing.T) {
	fail := make(chan bool, 1)
	fail <- false
	caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
		f := <-fail
		fail <- f
		if f {
			return router.Result{Err: router.ErrUnreachable}, router.ErrUnreachable
		}
		return answer(t, ev)
	})
	r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}, {Ensemble: "e2"}},
		Callers: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	waitCalls := func(n int64) {
		eventually(t, func() bool { return r.Summary().Ended >= n })
	}
	waitCalls(10)
	// Failures first, then the phase: every call started in the phase fails. (In the
	// other order, a test goroutine descheduled between the two let the caller's
	// calls succeed in the phase by the thousand.)
	<-fail
	fail <- true
	r.Phase("down")
	before := r.Summary().Ended
	waitCalls(before + 10)
	s := r.Stop(time.Second)
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	down := s.Phase("down", "")
	// A call in flight when the phase began started before it.
	if down.Calls < 9 || down.Codes["unreachable"] < down.Calls-1 || down.Fast["unreachable"] != down.Codes["unreachable"] {
		t.Fatalf("phase down: %+v", down)
	}
	if e1, e2 := s.Phase("", "e1"), s.Phase("", "e2"); e1.Codes["ok"] < 5 || e2.Codes["ok"] < 5 {
		t.Fatalf("first phase: e1 %+v, e2 %+v", e1, e2)
	}
	if got := s.Phase("down", "e1").Calls + s.Phase("down", "e2").Calls; got != down.Calls {
		t.Fatalf("per-ensemble counts %d do not add up to %d", got, down.Calls)
	}
}

// TestOpenLoop: an open load starts calls at its rate, and skips (counts) those due
// while Callers are in flight.
func TestOpenLoop(t *testing.T) {
	block := make(chan struct{})
	caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
		select {
		case <-block:
			return answer(t, ev)
		case <-ctx.Done():
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}
	})
	r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}},
		Callers: 3, Rate: 1000, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// A call is counted started on its own goroutine, once the loop has taken its
	// slot: the loop may skip the next ones before the third is counted.
	eventually(t, func() bool { s := r.Summary(); return s.Skipped >= 5 && s.Started >= 3 })
	if started := r.Summary().Started; started != 3 {
		t.Fatalf("%d calls in flight, want Callers = 3", started)
	}
	close(block)
	s := r.Stop(time.Second)
	if s.Skipped < 5 || s.Total.Codes["ok"] != s.Started {
		t.Fatalf("started %d, skipped %d, outcomes %v; want some skipped, every started call answered", s.Started, s.Skipped, s.Total.Codes)
	}
}

// TestBadConfig: Start refuses an invalid Config with ErrBadConfig and an error that
// names the field and its value. Each negative field is refused at -1, the first
// negative value (a negative Callers with a Rate made a channel of negative size,
// a panic). A Rate is refused unless its interval between calls, 1s/Rate, fits a
// positive time.Duration: at +Inf or above 1e9 it rounded to 0, and at 1e-10 it
// overflowed to a negative one; either way the open loop started calls without a
// pause, for ever, and Done never closed. NaN ran as a closed loop.
func TestBadConfig(t *testing.T) {
	ok := Config{Caller: callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
		return answer(t, ev)
	}), Targets: []Target{{Ensemble: "e"}}, Timeout: 1}
	with := func(edit func(*Config)) Config { c := ok; edit(&c); return c }
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "no caller", cfg: with(func(c *Config) { c.Caller = nil }), want: "Caller is nil"},
		{name: "no targets", cfg: with(func(c *Config) { c.Targets = nil }), want: "no Targets"},
		{name: "no timeout", cfg: with(func(c *Config) { c.Timeout = 0 }), want: "Timeout 0s"},
		{name: "empty ensemble", cfg: with(func(c *Config) { c.Targets = []Target{{}} }), want: "Targets[0]"},
		{name: "negative callers", cfg: with(func(c *Config) { c.Callers, c.Rate = -1, 10 }), want: "Callers -1 is negative"},
		{name: "negative calls", cfg: with(func(c *Config) { c.Calls = -1 }), want: "Calls -1 is negative"},
		{name: "negative slack", cfg: with(func(c *Config) { c.Slack = -1 }), want: "Slack -1ns is negative"},
		{name: "negative fast", cfg: with(func(c *Config) { c.Fast = -1 }), want: "Fast -1ns is negative"},
		{name: "negative rate", cfg: with(func(c *Config) { c.Rate = -1 }), want: "Rate -1 is negative"},
		{name: "NaN rate", cfg: with(func(c *Config) { c.Rate = math.NaN() }), want: "Rate NaN calls a second: want 0"},
		{name: "infinite rate", cfg: with(func(c *Config) { c.Rate = math.Inf(1) }), want: "Rate +Inf calls a second: want 0"},
		{name: "rate with a 0 interval", cfg: with(func(c *Config) { c.Rate = 2e9 }), want: "Rate 2e+09 calls a second: want 0"},
		{name: "rate with an interval past a Duration", cfg: with(func(c *Config) { c.Rate = 1e-10 }), want: "Rate 1e-10 calls a second: want 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Start(context.Background(), tc.cfg)
			if err == nil {
				r.Stop(0)
			}
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadConfig with %q", err, tc.want)
			}
		})
	}
	// The bounds themselves are valid: an interval of 1ns, and one of 31 years.
	for _, rate := range []float64{0, 1e9, 1e-9} {
		if err := with(func(c *Config) { c.Rate = rate }).Validate(); err != nil {
			t.Errorf("Rate %v: %v", rate, err)
		}
	}
}

// eventually polls cond every millisecond until it holds, for at most 5s.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("condition not met within 5s")
		}
	}
}

// TestCheckExcused: a call past its deadline and slack is excused by the scheduling
// delay measured while it ran, and only by that much: the excuse is asked about each
// call's own run, from its start to its end, so the stalls in that time add up (a
// stall before the deadline too), and a stall while another call ran excuses nothing.
func TestCheckExcused(t *testing.T) {
	synctest.Test(t, checkExcused)
}

func checkExcused(t *testing.T) {
	late := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
		<-ctx.Done()
		<-time.After(30 * time.Millisecond)
		return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
	})
	start := time.Now()
	// Two calls, one after the other, from +0ms to +40ms and from +40ms to +80ms: each
	// overruns its 10ms deadline by 30ms, 25ms past the slack.
	r, err := Start(context.Background(), Config{Caller: late, Targets: []Target{{Ensemble: "e1"}}, Callers: 1, Calls: 2,
		Timeout: 10 * time.Millisecond, Slack: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	<-r.Done()
	s := r.Stop(time.Second)
	if s.Overdue != 2 {
		t.Fatalf("overdue %d, want 2", s.Overdue)
	}
	worst := time.Duration(s.Total.WorstOverNS)
	// stalls excuses what it overlaps of delays measured at [from, to) ms after the
	// start, as a probe's During does.
	stalls := func(ranges ...[2]int) Excuse {
		return func(from, to time.Time) time.Duration {
			var sum time.Duration
			for _, r := range ranges {
				a := max(from.Sub(start), time.Duration(r[0])*time.Millisecond)
				b := min(to.Sub(start), time.Duration(r[1])*time.Millisecond)
				sum += max(b-a, 0)
			}
			return sum
		}
	}
	stall := stalls([2]int{15, 40}) // 25ms, during the first overrun
	for _, tc := range []struct {
		name    string
		excuse  Excuse
		late    int64
		granted time.Duration
	}{
		{name: "none", excuse: nil, late: 2},
		{name: "as large as the overrun", excuse: Within(worst), late: 0, granted: worst},
		{name: "smaller than the overrun past the slack", excuse: Within(worst - 5*time.Millisecond - time.Millisecond), late: 2},
		{name: "measured during the first call's overrun", excuse: stall, late: 1, granted: 25 * time.Millisecond},
		// Two stalls of 13ms while the first call overran: neither alone covers its
		// 25ms past the slack; together they do.
		{name: "the longest of two stalls", excuse: Within(13 * time.Millisecond), late: 2},
		{name: "two stalls during the first call's overrun", excuse: stalls([2]int{12, 25}, [2]int{26, 39}), late: 1,
			granted: 26 * time.Millisecond},
		{name: "a stall before the first call's deadline and one after", excuse: stalls([2]int{0, 10}, [2]int{20, 35}), late: 1,
			granted: 25 * time.Millisecond},
	} {
		n, first, granted := s.PastDeadline(tc.excuse)
		if n != tc.late || len(first) != int(tc.late) || granted != tc.granted {
			t.Fatalf("%s: PastDeadline = %d, %q, granted %v; want %d calls, granted %v", tc.name, n, first, granted, tc.late, tc.granted)
		}
		if n > 0 && !strings.Contains(first[0], "deadline: ended 40ms after its start, 30ms past its 10ms deadline") {
			t.Fatalf("%s: %q", tc.name, first[0])
		}
		// The delay meanwhile is named when it was measured (an excuse), and only then.
		if n > 0 && strings.Contains(first[0], "scheduling delay meanwhile") != (tc.excuse != nil) {
			t.Fatalf("%s: %q: want the scheduling delay meanwhile named if, and only if, it was measured", tc.name, first[0])
		}
		if err := s.CheckExcused(tc.excuse); (err == nil) != (tc.late == 0) {
			t.Fatalf("%s: CheckExcused = %v", tc.name, err)
		}
	}
	if _, first, _ := s.PastDeadline(stall); !strings.Contains(first[0], "call load-0-1 to e1 via  at +40ms") {
		t.Fatalf("the call not excused: %q, want the second", first[0])
	}
}

// TestFastExcused: a failure slower than Config.Fast is not counted fast, unless the
// excuse covers what it took past Fast; a failure within Fast is counted fast and
// not again. Time is virtual: three calls fail unreachable, the first at once, the
// next two each 30ms after they start (+0 to +30ms, +30 to +60ms); Fast is 10ms, and a
// stall of 25ms is measured during the second.
func TestFastExcused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			if calls.Add(1) > 1 {
				time.Sleep(30 * time.Millisecond)
			}
			return router.Result{Err: router.ErrUnreachable}, router.ErrUnreachable
		})
		start := time.Now()
		r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}}, Callers: 1, Calls: 3,
			Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		<-r.Done()
		s := r.Stop(time.Second)
		if got := s.Phase("", "").Fast["unreachable"]; got != 1 {
			t.Fatalf("fast %d, want the first call's", got)
		}
		stall := func(from, to time.Time) time.Duration { // [5ms, 30ms) after the start
			a, b := max(from.Sub(start), 5*time.Millisecond), min(to.Sub(start), 30*time.Millisecond)
			return max(b-a, 0)
		}
		for _, tc := range []struct {
			name   string
			excuse Excuse
			want   int64
		}{
			{"none", nil, 0},
			{"the stall: the second call", stall, 1},
			{"short of the third's 20ms", Within(19 * time.Millisecond), 0},
			{"the third's 20ms", Within(20 * time.Millisecond), 2},
		} {
			if got := s.FastExcused("", "", "unreachable", tc.excuse); got != tc.want {
				t.Errorf("%s: %d excused, want %d", tc.name, got, tc.want)
			}
		}
		if got := s.FastExcused("", "e2", "unreachable", Within(time.Hour)) + s.FastExcused("", "", "timeout", Within(time.Hour)) +
			s.FastExcused("other", "", "unreachable", Within(time.Hour)); got != 0 {
			t.Errorf("another ensemble, outcome or phase: %d excused, want 0", got)
		}
	})
}
