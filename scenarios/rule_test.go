package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestUnruleNamesARule: an unrule must name a rule added before it in the order the
// run applies faults (by time, then as listed); one that names none would stop
// nothing, and leave the rule its writer meant in force to the end of the run.
func TestUnruleNamesARule(t *testing.T) {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	rule := func(at int, name string) Fault {
		return Fault{At: ms(at), Action: "rule", Rule: &RuleSpec{Name: name, Match: MatchSpec{Kind: "reply"}, Action: "delay", Delay: ms(1)}}
	}
	unrule := func(at int, name string) Fault {
		return Fault{At: ms(at), Action: "unrule", Rule: &RuleSpec{Name: name}}
	}
	cases := []struct {
		name   string
		faults []Fault
		want   string // "" for valid
	}{
		{name: "after its rule", faults: []Fault{rule(500, "slow"), unrule(600, "slow")}},
		{name: "at its rule's time, listed after it", faults: []Fault{rule(500, "slow"), unrule(500, "slow")}},
		{name: "listed first, later in time", faults: []Fault{unrule(600, "slow"), rule(500, "slow")}},
		{name: "twice", faults: []Fault{rule(500, "slow"), unrule(600, "slow"), unrule(700, "slow")}},
		{name: "misnamed", faults: []Fault{rule(500, "slow"), unrule(600, "slwo")},
			want: `faults[1].rule.name: the unrule at 600ms stops "slwo", but no rule of that name is added before it`},
		{name: "before its rule", faults: []Fault{rule(600, "slow"), unrule(500, "slow")},
			want: `faults[1].rule.name: the unrule at 500ms stops "slow", but no rule of that name is added before it`},
		{name: "at its rule's time, listed before it", faults: []Fault{unrule(500, "slow"), rule(500, "slow")},
			want: `faults[0].rule.name: the unrule at 500ms stops "slow"`},
		{name: "no rule at all", faults: []Fault{unrule(500, "slow")},
			want: `faults[0].rule.name: the unrule at 500ms stops "slow"`},
		{name: "with a match", faults: []Fault{rule(500, "slow"), {At: ms(600), Action: "unrule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Kind: "route"}}}},
			want: `faults[1].rule: unrule reads only rule.name`},
		{name: "with an action", faults: []Fault{rule(500, "slow"), {At: ms(600), Action: "unrule", Rule: &RuleSpec{Name: "slow", Action: "drop"}}},
			want: `faults[1].rule: unrule reads only rule.name`},
		{name: "with an after", faults: []Fault{rule(500, "slow"), {At: ms(600), Action: "unrule", Rule: &RuleSpec{Name: "slow", After: &MatchSpec{}}}},
			want: `faults[1].rule: unrule reads only rule.name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Faults = tc.faults
			err := s.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tc.want != "" && (!errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
}

// TestRuleEnsembleOfGossip: a rule whose match or after names an ensemble and kind
// gossip is refused: gossip is of no one ensemble, and the rule would act on nothing.
// With another kind, or none, an ensemble is taken.
func TestRuleEnsembleOfGossip(t *testing.T) {
	validateRules(t, []ruleCase{
		{name: "match", rule: RuleSpec{Name: "g", Match: MatchSpec{Kind: "gossip", Ensemble: "e1"}, Action: "drop"},
			want: `faults[0].rule.match.ensemble: "e1" with kind gossip matches nothing`},
		{name: "after", rule: RuleSpec{Name: "g", Match: MatchSpec{Kind: "reply"}, Action: "drop", After: &MatchSpec{Kind: "gossip", Ensemble: "e1"}},
			want: `faults[0].rule.after.ensemble: "e1" with kind gossip matches nothing`},
		{name: "gossip of any ensemble", rule: RuleSpec{Name: "g", Match: MatchSpec{Kind: "gossip"}, Action: "drop"}},
		{name: "replies of an ensemble", rule: RuleSpec{Name: "g", Match: MatchSpec{Kind: "reply", Ensemble: "e1"}, Action: "drop"}},
		{name: "any kind of an ensemble", rule: RuleSpec{Name: "g", Match: MatchSpec{Ensemble: "e1"}, Action: "drop"}},
	})
}

// ruleCase is a rule, and what Validate says of steady with it as its one fault at
// 100ms ("" for valid).
type ruleCase struct {
	name string
	rule RuleSpec
	want string
}

// validateRules runs each case as a subtest: Validate must pass it, or refuse it
// with ErrBadSpec saying want.
func validateRules(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			r := tc.rule
			s.Faults = []Fault{{At: Duration(100 * time.Millisecond), Action: "rule", Rule: &r}}
			err := s.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tc.want != "" && (!errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
}
