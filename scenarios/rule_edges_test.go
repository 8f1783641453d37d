package scenarios

import "testing"

// TestRuleMatchNamesNodes: a rule's match and after may name a message's sender
// (from) and receiver (to) only among the spec's nodes and clients: a misspelt node
// would match nothing, and the rule would do nothing. Each of the four fields is
// checked on its own.
func TestRuleMatchNamesNodes(t *testing.T) {
	validateRules(t, []ruleCase{
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
	})
}
