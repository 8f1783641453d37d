package main

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/scenarios"
)

// swarmName is the scenario whose whole spec is drawn from the seed.
const swarmName = "swarm"

// swarmHeader describes a swarm spec's drawn configuration for the human output of
// run and replay, one labelled line per aspect and a blank line after; "" for a
// spec of any other name, whose configuration ensim show prints as it is.
func swarmHeader(s scenarios.Spec, seed uint64) string {
	if s.Name != swarmName {
		return ""
	}
	return configHeader(s, seed) + "\n"
}

// configHeader renders s compactly in the summary's layout: a 13-column label, then
// the value; lists continue on unlabelled lines.
func configHeader(s scenarios.Spec, seed uint64) string {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	list := func(label string, items []string) {
		if len(items) == 0 {
			line(label, "none")
			return
		}
		line(label, "%d", len(items))
		for _, it := range items {
			line("", "%s", it)
		}
	}

	drawn := scenarios.Swarm(seed)
	drawn.Routers = s.Routers // --routers may override it
	if bytes.Equal(s.JSON(), drawn.JSON()) {
		line("drawn", "%s configuration for seed %d", s.Name, seed)
	} else {
		line("drawn", "%s configuration from a spec, not as seed %d draws it", s.Name, seed)
	}
	clients := "no clients"
	if len(s.Clients) > 0 {
		clients = fmt.Sprintf("%d client%s (%s)", len(s.Clients), plural(len(s.Clients)), strings.Join(s.Clients, " "))
	}
	line("nodes", "%d (%s), %s", len(s.Nodes), strings.Join(s.Nodes, " "), clients)
	line("routers", "%d per node, service %s; hop limit %d", s.Routers, distString(s.RouterService), s.HopLimit)
	line("link", "%s", linkString(s.Link))
	for _, l := range s.Links {
		line("", "%s->%s: %s", l.From, l.To, linkString(l.Link))
	}
	line("detect after", "%s", humanNS(int64(s.DetectAfter)))
	if s.PauseDetectAfter > 0 {
		line("pause detected", "after %s", humanNS(int64(s.PauseDetectAfter)))
	}
	if s.ReplyHold > 0 {
		line("reply hold", "%s", humanNS(int64(s.ReplyHold)))
	}
	if s.BackoffMax > 0 {
		line("redial", "backoff %s doubling to %s, ±25%%", humanNS(int64(s.BackoffMin)), humanNS(int64(s.BackoffMax)))
	}
	mailbox := "unbounded"
	if s.MailboxCap > 0 {
		mailbox = strconv.Itoa(s.MailboxCap) + " per router (default semantics)"
	}
	line("mailbox cap", "%s", mailbox)
	label := "ensembles"
	for _, e := range s.Ensembles {
		members := make([]string, len(e.Members))
		for k, m := range e.Members {
			members[k] = m.Name + "@" + m.Node
		}
		leader := e.Leader
		if leader == "" {
			leader = "none"
		}
		line(label, "%s: %s, leader %s", e.Name, strings.Join(members, " "), leader)
		label = ""
	}
	line("peer service", "%s", distString(s.Peer.Service))
	var clocks []string
	for _, c := range s.Clocks {
		clocks = append(clocks, c.Node+": "+clockString(c.Clock))
	}
	if len(clocks) == 0 {
		line("clocks", "perfect")
	} else {
		line("clocks", "%s", strings.Join(clocks, "; "))
	}
	w := s.Workload
	line("workload", "%s/s for %s, timeout %s, client share %s",
		strconv.FormatFloat(w.Rate, 'g', 6, 64), humanNS(int64(w.Duration)), humanNS(int64(w.Timeout)), percent(w.ClientShare))
	if w.PeerShare > 0 || w.CastShare > 0 {
		line("", "straight to a member %s, casts %s", percent(w.PeerShare), percent(w.CastShare))
	}
	for _, u := range w.Bursts {
		line("", "burst at %s for %s: +%s/s", humanNS(int64(u.At)), humanNS(int64(u.Duration)), strconv.FormatFloat(u.Rate, 'g', 6, 64))
	}
	line("gossip", "every %s", humanNS(int64(s.Gossip.Interval)))

	// Elections and faults in time order; those at the same time keep the spec's order.
	elections, faults := slices.Clone(s.Elections), slices.Clone(s.Faults)
	slices.SortStableFunc(elections, func(a, b scenarios.Election) int { return cmp.Compare(a.At, b.At) })
	slices.SortStableFunc(faults, func(a, b scenarios.Fault) int { return cmp.Compare(a.At, b.At) })
	var atWidth int
	for _, e := range elections {
		atWidth = max(atWidth, len(humanNS(int64(e.At))))
	}
	for _, f := range faults {
		atWidth = max(atWidth, len(humanNS(int64(f.At))))
	}
	at := func(d scenarios.Duration) string { return fmt.Sprintf("%*s ", atWidth, humanNS(int64(d))) }
	var electionLines []string
	for _, e := range elections {
		then := "then " + e.Leader
		if e.Leader == "" {
			then = "then no leader"
		}
		electionLines = append(electionLines, fmt.Sprintf("%s%s leaderless for %s, %s", at(e.At), e.Ensemble, humanNS(int64(e.Duration)), then))
	}
	list("elections", electionLines)
	var faultLines []string
	for _, f := range faults {
		faultLines = append(faultLines, at(f.At)+faultString(f))
	}
	list("faults", faultLines)
	if s.Liveness == nil {
		line("liveness", "not checked")
	} else {
		within := ""
		if s.Liveness.Within > 0 {
			within = ", within " + humanNS(int64(s.Liveness.Within))
		}
		line("liveness", "from %s%s", humanNS(int64(s.Liveness.From)), within)
	}
	return b.String()
}

// distString renders a distribution of durations: "250µs", "1ms..3ms",
// "20µs+exp(220.1µs)", "1ms+lognormal(2ms, σ 0.8)".
func distString(d scenarios.Dist) string {
	base := ""
	if d.Min != 0 {
		base = humanNS(int64(d.Min)) + "+"
	}
	switch d.Kind {
	case "uniform":
		return humanNS(int64(d.Min)) + ".." + humanNS(int64(d.Max))
	case "exponential":
		return base + "exp(" + humanNS(int64(d.Mean)) + ")"
	case "lognormal":
		return base + "lognormal(" + humanNS(int64(d.Mean)) + ", σ " + strconv.FormatFloat(d.Sigma, 'g', 3, 64) + ")"
	case "", "constant":
		return humanNS(int64(d.Min))
	}
	return d.Kind + "(" + humanNS(int64(d.Min)) + ")"
}

// linkString renders what a link does: latency, dup and reorder always, drop and
// unordered when set.
func linkString(l netmodel.Link) string {
	s := fmt.Sprintf("latency %s, dup %s, reorder %s", distString(l.Latency), percent(l.Dup), percent(l.Reorder))
	if l.Drop > 0 {
		s += ", drop " + percent(l.Drop)
	}
	if l.Unordered {
		s += ", unordered"
	}
	return s
}

// clockString renders how a clock strays: "offset 3.948s, drift -18385ppm".
func clockString(c netmodel.ClockModel) string {
	var parts []string
	if c.Offset != 0 {
		parts = append(parts, "offset "+humanNS(int64(c.Offset)))
	}
	if c.DriftPPM != 0 {
		parts = append(parts, "drift "+strconv.FormatFloat(c.DriftPPM, 'g', 6, 64)+"ppm")
	}
	if c.PeriodicPPM != 0 {
		parts = append(parts, "periodic ±"+strconv.FormatFloat(c.PeriodicPPM, 'g', 6, 64)+"ppm every "+humanNS(int64(c.Period)))
	}
	if len(parts) == 0 {
		return "perfect"
	}
	return strings.Join(parts, ", ")
}

// faultString renders a fault's action and the fields it uses, in the spec's order.
func faultString(f scenarios.Fault) string {
	parts := []string{f.Action}
	if len(f.A) > 0 || len(f.B) > 0 {
		sep := " -> "
		if f.Action == "partition" {
			sep = " <-> "
		}
		parts = append(parts, nodeSet(f.A)+sep+nodeSet(f.B))
	}
	if f.InFlight != "" {
		parts = append(parts, "in-flight "+f.InFlight)
	}
	if f.Node != "" {
		parts = append(parts, f.Node)
	}
	if f.Directory != "" {
		parts = append(parts, "directory "+f.Directory)
	}
	if f.Peer != "" {
		parts = append(parts, f.Peer)
	}
	if f.Service != nil {
		parts = append(parts, "service "+distString(*f.Service))
	}
	if f.Until != 0 {
		parts = append(parts, "until "+humanNS(int64(f.Until)))
	}
	if f.Step != 0 {
		parts = append(parts, "step "+humanNS(int64(f.Step)))
	}
	if f.Clock != nil {
		parts = append(parts, "clock "+clockString(*f.Clock))
	}
	if r := f.Rule; r != nil {
		if f.Action == "unrule" {
			parts = append(parts, r.Name)
		} else {
			parts = append(parts, ruleString(*r))
		}
	}
	return strings.Join(parts, " ")
}

// ruleString renders a network rule: "rule-1: delay 9ms on route, first 11".
func ruleString(r scenarios.RuleSpec) string {
	s := r.Name + ": " + r.Action
	switch {
	case r.Delay == 0:
	case r.Action == "delay":
		s += " " + humanNS(int64(r.Delay))
	case r.Action == "duplicate":
		s += " (copy +" + humanNS(int64(r.Delay)) + ")"
	}
	s += " on " + matchString(r.Match)
	if r.Count > 0 {
		s += ", first " + strconv.Itoa(r.Count)
	}
	if r.After != nil {
		s += ", after a " + matchString(*r.After)
	}
	return s
}

// matchString renders a message selector: "route e1 n1->n3", "every message".
func matchString(m scenarios.MatchSpec) string {
	var parts []string
	if m.Kind != "" {
		parts = append(parts, m.Kind)
	}
	if m.Ensemble != "" {
		parts = append(parts, m.Ensemble)
	}
	if m.From != "" || m.To != "" {
		parts = append(parts, nodeSet(optional(m.From))+"->"+nodeSet(optional(m.To)))
	}
	if len(parts) == 0 {
		return "every message"
	}
	return strings.Join(parts, " ")
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// nodeSet renders a list of nodes: "n1,n2", or "*" for none (any node).
func nodeSet(nodes []string) string {
	if len(nodes) == 0 {
		return "*"
	}
	return strings.Join(nodes, ",")
}

// percent renders a probability in [0, 1] as a percentage with up to three
// significant digits: "11.9%", "2%", "0%".
func percent(p float64) string {
	return strconv.FormatFloat(p*100, 'g', 3, 64) + "%"
}
