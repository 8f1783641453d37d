package load

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestCheckReportsUnfinishedCalls: calls that started and never ended are a
// violation of their own, which Check reports even when the summary counts no other
// (a summary taken while calls are still in flight, or built by hand).
func TestCheckReportsUnfinishedCalls(t *testing.T) {
	s := Summary{Started: 5, Ended: 3, Unfinished: 2, Total: Outcomes{Calls: 3}}
	err := s.Check()
	if !errors.Is(err, ErrViolation) || !strings.Contains(err.Error(), "2 unfinished calls") {
		t.Errorf("Check = %v, want ErrViolation naming the 2 unfinished calls", err)
	}
}

// TestSummaryLine pins the one-line summary: the outcomes sorted by name, then the
// median, the 99th percentile and the slowest call in that order, and the skipped
// calls and the start lag only when an open load had some.
func TestSummaryLine(t *testing.T) {
	base := Summary{TimeoutNS: int64(100 * ms), SlackNS: int64(10 * ms),
		Total: Outcomes{Calls: 3, Codes: map[string]int64{"ok": 2, "timeout": 1},
			P50NS: int64(1 * ms), P99NS: int64(7 * ms), MaxNS: int64(9 * ms), WorstOverNS: int64(-91 * ms)}}
	const head = "calls=3 ok=2 timeout=1 p50=1ms p99=7ms max=9ms deadline=100ms slack=10ms worst_past_deadline=-91ms past_slack=0 unfinished=0 violations=0"
	for _, tc := range []struct {
		name string
		edit func(*Summary)
		want string
	}{
		{name: "closed load", edit: func(*Summary) {}, want: head},
		{name: "one call skipped", edit: func(s *Summary) { s.Skipped = 1 }, want: head + " skipped=1"},
		{name: "start lag", edit: func(s *Summary) { s.StartLagP99NS, s.StartLagMaxNS = int64(300*time.Microsecond), int64(2*ms) },
			want: head + " start_lag_p99=300µs start_lag_max=2ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			if diff := cmp.Diff(tc.want, s.Line()); diff != "" {
				t.Errorf("Line() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClassify: an outcome is named after the router's error when the router defined
// it, a timeout only when it is the router's own ErrTimeout (or wraps it),
// "cancelled" for a cancelled context (the load's, ended), and "other" for another
// error the router does not define, which router.CodeOf reads as a timeout (a closed
// node, an expired context). Neither is an early timeout: they break no deadline
// promise.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{router.ErrTimeout, "timeout"},
		{fmt.Errorf("call: %w", router.ErrTimeout), "timeout"},
		{router.ErrUnreachable, "unreachable"},
		{router.ErrOverloaded, "overloaded"},
		{router.ErrNoLeader, "no-leader"},
		{errors.New("node closed"), "other"},
		{context.Canceled, "cancelled"},
		{fmt.Errorf("call: %w", context.Canceled), "cancelled"},
		{context.DeadlineExceeded, "other"},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestFastAtTheBoundNotExcusedAgain: a failure that took exactly Config.Fast counts
// as fast (Outcomes.Fast), and FastExcused does not count it a second time, however
// large the excuse: Outcomes.Fast plus FastExcused are the calls that failed fast.
func TestFastAtTheBoundNotExcusedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			time.Sleep(10 * ms)
			return router.Result{Err: router.ErrUnreachable}, router.ErrUnreachable
		})
		r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}}, Callers: 1, Calls: 1,
			Timeout: 100 * ms, Fast: 10 * ms})
		if err != nil {
			t.Fatal(err)
		}
		<-r.Done()
		s := r.Stop(0)
		fast, excused := s.Total.Fast["unreachable"], s.FastExcused("", "", "unreachable", Within(time.Hour))
		if fast != 1 || excused != 0 {
			t.Errorf("a failure at Fast: %d fast, %d more excused; want 1 and 0", fast, excused)
		}
	})
}
