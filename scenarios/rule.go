package scenarios

import (
	"fmt"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

var kinds = map[string]router.Kind{"route": router.KindRoute, "cast": router.KindCast, "peer": router.KindPeer, "reply": router.KindReply, "gossip": router.KindGossip}

var actions = map[string]netmodel.Action{"drop": netmodel.ActDrop, "delay": netmodel.ActDelay, "duplicate": netmodel.ActDuplicate}

func (m MatchSpec) build(field string, names map[string]bool) (netmodel.Match, error) {
	var out netmodel.Match
	if m.Kind != "" {
		k, ok := kinds[m.Kind]
		if !ok {
			return out, fmt.Errorf("%s.kind: %q, want route, cast, peer, reply or gossip", field, m.Kind)
		}
		out.Kind = k
	}
	for _, n := range []struct{ field, v string }{{"from", m.From}, {"to", m.To}} {
		if n.v != "" && !names[n.v] {
			return out, fmt.Errorf("%s.%s: %q is not a node", field, n.field, n.v)
		}
	}
	if m.Kind == "gossip" && m.Ensemble != "" {
		// Gossip carries the entries of many ensembles and is of none: the rule
		// would act on nothing, and its writer would think the ensemble's gossip slowed.
		return out, fmt.Errorf("%s.ensemble: %q with kind gossip matches nothing: gossip is of no one ensemble (ensemble matches routes, casts, peer messages and replies)", field, m.Ensemble)
	}
	out.Ensemble = router.EnsembleID(m.Ensemble)
	out.From, out.To = router.NodeID(m.From), router.NodeID(m.To)
	return out, nil
}

// build turns the spec into a netmodel rule, naming the field of any problem.
func (r RuleSpec) build(field string, names map[string]bool) (netmodel.Rule, error) {
	out := netmodel.Rule{Name: r.Name, Delay: r.Delay.D(), Count: r.Count}
	a, ok := actions[r.Action]
	if !ok {
		return out, fmt.Errorf("%s.action: %q, want drop, delay or duplicate", field, r.Action)
	}
	out.Action = a
	if r.Delay < 0 {
		return out, fmt.Errorf("%s.delay: %v is negative", field, r.Delay.D())
	}
	if r.Count < 0 {
		return out, fmt.Errorf("%s.count: %d is negative", field, r.Count)
	}
	m, err := r.Match.build(field+".match", names)
	if err != nil {
		return out, err
	}
	out.Match = m
	if r.After != nil {
		a, err := r.After.build(field+".after", names)
		if err != nil {
			return out, err
		}
		out.After = &a
	}
	return out, nil
}

// checkUnrules refuses an unrule that names no rule added before it (by time, then
// as listed: the order the run applies them). It would stop nothing, and the rule its
// writer meant to stop, misnamed or added later, would stay in force to the end of
// the run. The faults' other constraints have been checked.
func (s Spec) checkUnrules() error {
	order := s.faultOrder()
	added := map[string]bool{}
	for _, i := range order {
		switch ft := s.Faults[i]; ft.Action {
		case "rule":
			added[ft.Rule.Name] = true
		case "unrule":
			if !added[ft.Rule.Name] {
				return fmt.Errorf("faults[%d].rule.name: the unrule at %v stops %q, but no rule of that name is added before it", i, ft.At.D(), ft.Rule.Name)
			}
		}
	}
	return nil
}
