package load

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/router"
)

// step is what a scripted caller does with one call: it takes after, or waits for
// the call's deadline and then takes after more (late), and ends with err, or with
// an answer (the wrong one if wrong).
type step struct {
	after time.Duration
	late  bool
	err   error
	wrong bool
}

// scripted is a caller that does with call n (the sequence number in its token,
// "echo load-W-N") what script[n] says.
func scripted(script []step) callerFunc {
	return func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
		n, err := strconv.Atoi(string(ev[strings.LastIndexByte(string(ev), '-')+1:]))
		if err != nil {
			panic(err)
		}
		st := script[n]
		if st.late {
			<-ctx.Done()
		}
		time.Sleep(st.after)
		switch {
		case st.err != nil:
			return router.Result{Err: st.err}, st.err
		case st.wrong:
			return answer(t, []byte("echo load-0-999"))
		}
		return answer(t, ev)
	}
}

// outcomes spells an Outcomes out, durations as such.
type outcomes struct {
	Calls       int64
	Codes, Fast map[string]int64
	Violations  int64
	MaxNS       time.Duration
	WorstOverNS time.Duration
	MaxByCode   map[string]time.Duration
}

func spell(o Outcomes) outcomes {
	by := map[string]time.Duration{}
	for k, v := range o.MaxByCode {
		by[k] = time.Duration(v)
	}
	return outcomes{Calls: o.Calls, Codes: o.Codes, Fast: o.Fast, Violations: o.Violations,
		MaxNS: time.Duration(o.MaxNS), WorstOverNS: time.Duration(o.WorstOverNS), MaxByCode: by}
}

const ms = time.Millisecond

// TestAccounting: eight calls, one after the other, to e1 and e2 in turn, in two
// phases, each ending as scripted, in virtual time, so that every figure of the
// summary is exact: per phase and ensemble, for a phase (Summary.Phase) and in total.
// It pins, among others, that a failure at Fast (by default a tenth of the timeout)
// counts as fast and one at twice that does not, and a success never; that an
// outcome with a single fast failure is listed; the slowest call of each outcome,
// the largest over the ensembles of a phase; the calls that broke a promise, counted
// per phase and in total; and that a call that ends past its deadline but within the
// slack is not overdue, while one past the slack is.
func TestAccounting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		script := []step{
			{after: 2 * ms}, // 0, e1: ok
			{after: 10 * ms, err: router.ErrUnreachable},         // 1, e2: fast, at Fast itself
			{after: 20 * ms, err: router.ErrUnreachable},         // 2, e1: not fast
			{after: 1 * ms, err: router.ErrOverloaded},           // 3, e2: the only overloaded, fast
			{after: 1 * ms, wrong: true},                         // 4, e1: phase b from here; another call's answer
			{after: 5 * ms, late: true, err: router.ErrTimeout},  // 5, e2: 5ms past the deadline, within the slack
			{after: 30 * ms, late: true, err: router.ErrTimeout}, // 6, e1: 30ms past it, overdue
			{after: 1 * ms, err: router.ErrTimeout},              // 7, e2: a timeout before the deadline
		}
		r, err := Start(context.Background(), Config{Caller: scripted(script), Targets: []Target{{Ensemble: "e1"}, {Ensemble: "e2"}},
			Callers: 1, Calls: int64(len(script)), Timeout: 100 * ms, Slack: 10 * ms})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(32*ms + 500*time.Microsecond) // while call 3 runs, from 32ms to 33ms
		r.Phase("b")
		<-r.Done()
		s := r.Stop(0)

		type phase struct {
			Phase    string
			Ensemble router.EnsembleID
			Figures  outcomes
		}
		var got []phase
		for _, p := range s.Phases {
			got = append(got, phase{p.Phase, p.Ensemble, spell(p.Outcomes)})
		}
		want := []phase{
			{"", "e1", outcomes{Calls: 2, Codes: map[string]int64{"ok": 1, "unreachable": 1}, Fast: map[string]int64{},
				MaxNS: 20 * ms, WorstOverNS: -80 * ms, MaxByCode: map[string]time.Duration{"ok": 2 * ms, "unreachable": 20 * ms}}},
			{"", "e2", outcomes{Calls: 2, Codes: map[string]int64{"unreachable": 1, "overloaded": 1}, Fast: map[string]int64{"unreachable": 1, "overloaded": 1},
				MaxNS: 10 * ms, WorstOverNS: -90 * ms, MaxByCode: map[string]time.Duration{"unreachable": 10 * ms, "overloaded": 1 * ms}}},
			{"b", "e1", outcomes{Calls: 2, Codes: map[string]int64{"ok": 1, "timeout": 1}, Fast: map[string]int64{}, Violations: 1,
				MaxNS: 130 * ms, WorstOverNS: 30 * ms, MaxByCode: map[string]time.Duration{"ok": 1 * ms, "timeout": 130 * ms}}},
			{"b", "e2", outcomes{Calls: 2, Codes: map[string]int64{"timeout": 2}, Fast: map[string]int64{"timeout": 1}, Violations: 1,
				MaxNS: 105 * ms, WorstOverNS: 5 * ms, MaxByCode: map[string]time.Duration{"timeout": 105 * ms}}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("phases (-want +got):\n%s", diff)
		}
		wantB := outcomes{Calls: 4, Codes: map[string]int64{"ok": 1, "timeout": 3}, Fast: map[string]int64{"timeout": 1}, Violations: 2,
			MaxNS: 130 * ms, WorstOverNS: 30 * ms, MaxByCode: map[string]time.Duration{"ok": 1 * ms, "timeout": 130 * ms}}
		if diff := cmp.Diff(wantB, spell(s.Phase("b", ""))); diff != "" {
			t.Errorf("Phase(\"b\", \"\") (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want[1].Figures, spell(s.Phase("", "e2"))); diff != "" {
			t.Errorf("Phase(\"\", \"e2\") (-want +got):\n%s", diff)
		}
		wantTotal := outcomes{Calls: 8, Codes: map[string]int64{"ok": 2, "unreachable": 2, "overloaded": 1, "timeout": 3},
			Fast: map[string]int64{"unreachable": 1, "overloaded": 1, "timeout": 1}, Violations: 2, MaxNS: 130 * ms, WorstOverNS: 30 * ms,
			MaxByCode: map[string]time.Duration{"ok": 2 * ms, "unreachable": 20 * ms, "overloaded": 1 * ms, "timeout": 130 * ms}}
		if diff := cmp.Diff(wantTotal, spell(s.Total)); diff != "" {
			t.Errorf("total (-want +got):\n%s", diff)
		}
		gotSum := s
		gotSum.Phases, gotSum.Total = nil, Outcomes{}
		wantSum := Summary{TimeoutNS: int64(100 * ms), SlackNS: int64(10 * ms), FastNS: int64(10 * ms), ElapsedNS: int64(270 * ms),
			Started: 8, Ended: 8, Overdue: 1, ViolationCount: 2, Violations: []string{
				`call load-0-4 to e1 via  at +33ms: reply-matches-call: answered "echo load-0-999", want "echo load-0-4"`,
				`call load-0-7 to e2 via  at +269ms: deadline: timed out after 1ms, before its 100ms deadline`,
			}}
		if diff := cmp.Diff(wantSum, gotSum, cmpopts.IgnoreUnexported(Summary{})); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		if n, first, _ := s.PastDeadline(nil); n != 1 || len(first) != 1 || !strings.Contains(first[0], "call load-0-6 to e1") {
			t.Errorf("PastDeadline = %d, %q; want call 6 alone", n, first)
		}
	})
}

// TestPercentiles: P50NS and P99NS are the median and the 99th percentile of every
// call's latency, over the phases and ensembles: of 98 calls of 1ms and 2 of 10ms,
// in two phases, to two ensembles, the median is 1ms (within the histogram's 1/16)
// and the 99th percentile 10ms exactly, the top of its bucket capped by the largest
// latency recorded. (Of 99 calls of 1ms and 1 of 10ms, the 99th percentile is 1ms.)
// Each entry of Phases has its own.
func TestPercentiles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		script := make([]step, 100)
		for i := range script {
			script[i] = step{after: ms}
		}
		script[49].after, script[99].after = 10*ms, 10*ms // to e2, one in each phase
		r, err := Start(context.Background(), Config{Caller: scripted(script), Targets: []Target{{Ensemble: "e1"}, {Ensemble: "e2"}},
			Callers: 1, Calls: int64(len(script)), Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * ms) // while call 49 runs, from 49ms to 59ms
		r.Phase("b")
		<-r.Done()
		s := r.Stop(0)
		inBucket := func(got, want time.Duration) bool { return got >= want && got < want+want/16 }
		if p50, p99 := time.Duration(s.Total.P50NS), time.Duration(s.Total.P99NS); !inBucket(p50, ms) || p99 != 10*ms || s.Total.MaxNS != int64(10*ms) {
			t.Errorf("total: p50 %v, p99 %v, max %v; want 1ms (to 1/16 more), 10ms, 10ms", p50, p99, time.Duration(s.Total.MaxNS))
		}
		for _, p := range s.Phases {
			// e1 has 25 calls of 1ms in each phase; e2 24 and one of 10ms.
			p50, p99, want99 := time.Duration(p.P50NS), time.Duration(p.P99NS), ms
			if p.Ensemble == "e2" {
				want99 = 10 * ms
			}
			if p.Calls != 25 || !inBucket(p50, ms) || p99 != want99 {
				t.Errorf("phase %q, %s: %d calls, p50 %v, p99 %v; want 25, 1ms, %v", p.Phase, p.Ensemble, p.Calls, p50, p99, want99)
			}
		}
	})
}

// TestViolationsKept: a summary keeps the first 20 violations in words and counts
// them all.
func TestViolationsKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		script := make([]step, 25)
		for i := range script {
			script[i] = step{wrong: true}
		}
		r, err := Start(context.Background(), Config{Caller: scripted(script), Targets: []Target{{Ensemble: "e1"}},
			Callers: 1, Calls: int64(len(script)), Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		<-r.Done()
		if s := r.Stop(0); s.ViolationCount != 25 || len(s.Violations) != 20 || s.Total.Violations != 25 {
			t.Errorf("%d violations counted, %d kept, %d in the total; want 25, 20, 25", s.ViolationCount, len(s.Violations), s.Total.Violations)
		}
	})
}

// TestPastDeadlineBeyondRecord: the calls past their deadline beyond those recorded
// (a run records at most 2^18) all count as past it: they were not judged, so none
// is excused, and CheckExcused fails however large the excuse.
func TestPastDeadlineBeyondRecord(t *testing.T) {
	start := time.Now()
	s := Summary{Overdue: 5, timeout: 10 * ms, slack: ms, start: start, overdue: []overdue{
		{begin: start, took: 15 * ms, token: "load-0-0", target: Target{Ensemble: "e1"}, outcome: "timeout"},
		{begin: start, took: 20 * ms, token: "load-0-1", target: Target{Ensemble: "e1"}, outcome: "timeout"},
	}}
	if n, first, granted := s.PastDeadline(Within(time.Second)); n != 3 || len(first) != 0 || granted != time.Second {
		t.Errorf("PastDeadline = %d, %q, granted %v; want the 3 unrecorded calls, none in words, 1s granted", n, first, granted)
	}
	if err := s.CheckExcused(Within(time.Second)); !errors.Is(err, ErrViolation) || !strings.Contains(err.Error(), "3 calls past their deadline") {
		t.Errorf("CheckExcused = %v, want the 3 unrecorded calls", err)
	}
}

// TestCheckRecordedCalls: Check fails a summary whose outcomes do not hold every call
// that ended (a call counted as ended but lost from the figures), though nothing
// else is wrong with it.
func TestCheckRecordedCalls(t *testing.T) {
	s := Summary{Started: 3, Ended: 3, Total: Outcomes{Calls: 2}}
	if err := s.Check(); !errors.Is(err, ErrViolation) || !strings.Contains(err.Error(), "2 calls recorded of 3 ended") {
		t.Errorf("Check = %v, want the call missing from the figures", err)
	}
	s.Total.Calls = 3
	if err := s.Check(); err != nil {
		t.Errorf("Check = %v on a summary with every call recorded", err)
	}
}
