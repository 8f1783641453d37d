package scenarios

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLateFaults: a fault that begins a trouble once every call of the workload is
// over (its deadline, its retries', on a clock as slow as a spec may make it) acts
// on no call, and LateFaults says so, naming it; one while calls are made or waited
// for, one that ends a trouble, one that finds its node where it does nothing
// (IdleFaults says that), and one after a caller paused before the end has resumed
// and waited out its calls, get no note, and neither does any named scenario.
func TestLateFaults(t *testing.T) {
	crash := func(at Duration, node string) Fault { return Fault{At: at, Action: "crash", Node: node} }
	for _, tc := range []struct {
		name   string
		faults []Fault
		retry  *Retry
		want   []string
	}{
		{name: "during the workload", faults: []Fault{crash(ms(1000), "n1")}},
		{name: "while its last calls may wait", faults: []Fault{crash(ms(2060), "n1")}},
		{name: "after every call", faults: []Fault{crash(ms(10000), "n1")},
			want: []string{"faults[0]: the crash of n1 at 10s comes after every call is over (the last is made by 2s, workload.duration, and over by 2.0625s at the latest): it acts on no call of the workload (move it earlier, or make calls after it)"}},
		{name: "a rule after every call", faults: []Fault{{At: ms(3000), Action: "rule", Rule: &RuleSpec{Name: "r", Action: "drop"}}},
			want: []string{`faults[0]: the rule "r" at 3s comes after every call is over (the last is made by 2s, workload.duration, and over by 2.0625s at the latest): it acts on no call of the workload (move it earlier, or make calls after it)`}},
		{name: "the end of a trouble after every call", faults: []Fault{
			crash(ms(1000), "n1"), {At: ms(10000), Action: "restart", Node: "n1"},
			{At: ms(1500), Action: "partition", A: []string{"n2"}, B: []string{"n3"}}, {At: ms(10000), Action: "heal"}}},
		{name: "idle after every call", faults: []Fault{crash(ms(1000), "n1"), crash(ms(10000), "n1")}},
		{name: "a caller paused over the end", faults: []Fault{
			{At: ms(1900), Action: "pause", Node: "c1"}, {At: ms(5000), Action: "resume", Node: "c1"}, crash(ms(5010), "n1"), crash(ms(9000), "n2")},
			want: []string{"faults[3]: the crash of n2 at 9s comes after every call is over (the last is made by 2s, workload.duration, and over by 5.0625s at the latest): it acts on no call of the workload (move it earlier, or make calls after it)"}},
		{name: "within the retries", retry: &Retry{Attempts: 3, Backoff: ms(100)}, faults: []Fault{crash(ms(2500), "n1")}},
		{name: "after the retries", retry: &Retry{Attempts: 3, Backoff: ms(100)}, faults: []Fault{crash(ms(3000), "n1")},
			want: []string{"faults[0]: the crash of n1 at 3s comes after every call is over (the last is made by 2s, workload.duration, and over by 2.5625s at the latest): it acts on no call of the workload (move it earlier, or make calls after it)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Faults = tc.faults
			s.Workload.Retry = tc.retry
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, s.LateFaults()); diff != "" {
				t.Errorf("LateFaults() (-want +got):\n%s", diff)
			}
		})
	}
	s := named(t, "steady")
	s.Liveness, s.Workload.Rate, s.Workload.Duration = nil, 0, 0
	s.Faults = []Fault{crash(ms(10000), "n1")}
	if got := s.LateFaults(); got != nil {
		t.Errorf("a workload of no call: LateFaults() = %q, want none", got)
	}
	for _, name := range Names() {
		if got := named(t, name).LateFaults(); got != nil {
			t.Errorf("%s: %q", name, got)
		}
	}
}
