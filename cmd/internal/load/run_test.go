package load

import (
	"context"
	"strings"
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
		}, want: "past their deadline by more than 5ms"},
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
	r.Phase("down")
	<-fail
	fail <- true
	before := r.Summary().Ended
	waitCalls(before + 10)
	s := r.Stop(time.Second)
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	down := s.Phase("down", "")
	// The call in flight when the phase began may have started before it.
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
	eventually(t, func() bool { return r.Summary().Skipped >= 5 })
	if started := r.Summary().Started; started != 3 {
		t.Fatalf("%d calls in flight, want Callers = 3", started)
	}
	close(block)
	s := r.Stop(time.Second)
	if s.Skipped < 5 || s.Total.Codes["ok"] != s.Started {
		t.Fatalf("started %d, skipped %d, outcomes %v; want some skipped, every started call answered", s.Started, s.Skipped, s.Total.Codes)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "no caller", cfg: Config{Targets: []Target{{Ensemble: "e"}}, Timeout: 1}, want: "Caller is nil"},
		{name: "no targets", cfg: Config{Caller: callerFunc(nil), Timeout: 1}, want: "no Targets"},
		{name: "no timeout", cfg: Config{Caller: callerFunc(nil), Targets: []Target{{Ensemble: "e"}}}, want: "Timeout 0s"},
		{name: "empty ensemble", cfg: Config{Caller: callerFunc(nil), Targets: []Target{{}}, Timeout: 1}, want: "Targets[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Start(context.Background(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
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

// TestCheckWithinMeasuredDelay: a call past its deadline and slack is excused by the
// scheduling delay measured over the same period, and only by that much.
func TestCheckWithinMeasuredDelay(t *testing.T) {
	synctest.Test(t, checkWithinMeasuredDelay)
}

func checkWithinMeasuredDelay(t *testing.T) {
	late := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
		<-ctx.Done()
		<-time.After(30 * time.Millisecond)
		return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
	})
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
	if n, first := s.PastDeadline(0); n != 2 || len(first) != 2 || !strings.Contains(first[0], "deadline: ended") {
		t.Fatalf("PastDeadline(0) = %d, %q; want the 2 calls", n, first)
	}
	if n, first := s.PastDeadline(worst); n != 0 || len(first) != 0 {
		t.Fatalf("PastDeadline(worst) = %d, %q; want none", n, first)
	}
	if err := s.CheckWithin(worst); err != nil {
		t.Fatalf("a delay as large as the overrun excuses it: %v", err)
	}
	if err := s.CheckWithin(worst - 5*time.Millisecond - time.Millisecond); err == nil {
		t.Fatal("a smaller delay excused the overrun")
	}
}
