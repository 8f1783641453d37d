package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRuleMatchNamesNodes: a rule's match and after may name a message's sender
// (from) and receiver (to) only among the spec's nodes and clients: a misspelt node
// would match nothing, and the rule would do nothing. Each of the four fields is
// checked on its own.
func TestRuleMatchNamesNodes(t *testing.T) {
	cases := []struct {
		name string
		rule RuleSpec
		want string // "" for valid
	}{
		{name: "match from and to nodes", rule: RuleSpec{Name: "r", Match: MatchSpec{From: "n1", To: "c1"}, Action: "drop"}},
		{name: "match from an unknown node", rule: RuleSpec{Name: "r", Match: MatchSpec{From: "nx", To: "n2"}, Action: "drop"},
			want: `faults[0].rule.match.from: "nx" is not a node`},
		{name: "match to an unknown node", rule: RuleSpec{Name: "r", Match: MatchSpec{From: "n1", To: "nx"}, Action: "drop"},
			want: `faults[0].rule.match.to: "nx" is not a node`},
		{name: "match to an unknown node, from any", rule: RuleSpec{Name: "r", Match: MatchSpec{To: "nx"}, Action: "drop"},
			want: `faults[0].rule.match.to: "nx" is not a node`},
		{name: "after from an unknown node", rule: RuleSpec{Name: "r", Action: "drop", After: &MatchSpec{From: "nx"}},
			want: `faults[0].rule.after.from: "nx" is not a node`},
		{name: "after to an unknown node", rule: RuleSpec{Name: "r", Action: "drop", After: &MatchSpec{From: "n1", To: "nx"}},
			want: `faults[0].rule.after.to: "nx" is not a node`},
	}
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
