package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/mdsection"
	"github.com/ensroute/ensroute/scenarios"
)

// TestREADMERouterBottleneck: the figures README.md gives under "Router bottleneck"
// are what its two commands print: the table's p50 and p99, the same pair in the
// prose, the number of calls (every one ok), and the router instance's service time
// the scenario's spec sets.
func TestREADMERouterBottleneck(t *testing.T) {
	text, err := mdsection.Of(readme(t), "### Router bottleneck")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	cmds := regexp.MustCompile(`(?m)^\$ go run \./cmd/ensim (run [^\n]*)$`).FindAllStringSubmatch(text, -1)
	if len(cmds) != 2 {
		t.Fatalf("found %d ensim commands under Router bottleneck, want 2: fix the test", len(cmds))
	}
	row := func(name string) [2]string {
		m := regexp.MustCompile(`(?m)^\| ` + name + ` \| ([^ |]+) \| ([^ |]+) \|$`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("README.md: no %s row in the Router bottleneck table", name)
		}
		return [2]string{m[1], m[2]}
	}
	p50, p99 := row("p50"), row("p99")
	flat := strings.Join(strings.Fields(text), " ")
	prose := "the median falls from " + p50[0] + " to " + p50[1] + " and the p99 from " + p99[0] + " to " + p99[1] + "."
	if !strings.Contains(flat, prose) {
		t.Errorf("README.md's prose does not repeat the table's figures: want %q", prose)
	}
	calls := regexp.MustCompile(`Every one of the ([0-9,]+) calls succeeds both times`).FindStringSubmatch(flat)
	if calls == nil {
		t.Fatal("README.md: no \"Every one of the N calls succeeds both times\"")
	}
	n := strings.ReplaceAll(calls[1], ",", "")
	latency := regexp.MustCompile(`(?m)^latency +p50 ([^,]+), p99 ([^,]+),`)
	for i, c := range cmds {
		code, stdout, stderr := ensim(t, strings.Fields(c[1])...)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s", c[1], code, stderr)
		}
		if want := "calls         " + n + " total: " + n + " ok,"; !strings.Contains(stdout, want) {
			t.Errorf("%s: want %q in\n%s", c[1], want, stdout)
		}
		m := latency.FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("%s: no latency line in\n%s", c[1], stdout)
		}
		if m[1] != p50[i] || m[2] != p99[i] {
			t.Errorf("%s prints p50 %s, p99 %s; README.md's table says p50 %s, p99 %s", c[1], m[1], m[2], p50[i], p99[i])
		}
	}
	spec, ok := scenarios.Named("router-bottleneck")
	if !ok {
		t.Fatal("no scenario router-bottleneck")
	}
	svc := spec.RouterService
	want := "(" + time.Duration(svc.Min).String() + " plus an " + svc.Kind + " " + time.Duration(svc.Mean).String() + " on average"
	if !strings.Contains(flat, want) {
		t.Errorf("README.md does not give the spec's router service time: want %q", want)
	}
}

// TestREADMENaivePeerFigures: the messages naive-peer sends for nobody, which README.md
// gives in a parenthesis under "Riak versus ensroute", are what ensim compare prints.
func TestREADMENaivePeerFigures(t *testing.T) {
	text, err := mdsection.Of(readme(t), "## Riak versus ensroute")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	flat := strings.Join(strings.Fields(text), " ")
	m := regexp.MustCompile(`send about [0-9,]+ messages for nobody \(([0-9,]+) under riak, ([0-9,]+) under default\)`).FindStringSubmatch(flat)
	if m == nil {
		t.Fatal("README.md: no naive-peer figures (\"send about N messages for nobody (R under riak, D under default)\")")
	}
	code, stdout, stderr := ensim(t, "compare", "--scenario", "naive-peer", "--seeds", "5")
	if code != exitOK {
		t.Fatalf("compare naive-peer: exit %d\n%s", code, stderr)
	}
	got := regexp.MustCompile(`(?m)^messages after give-up +([0-9]+) +([0-9]+)$`).FindStringSubmatch(stdout)
	if got == nil {
		t.Fatalf("compare naive-peer: no messages after give-up line in\n%s", stdout)
	}
	if got[1] != strings.ReplaceAll(m[1], ",", "") || got[2] != strings.ReplaceAll(m[2], ",", "") {
		t.Errorf("compare naive-peer prints %s under riak and %s under default; README.md says %s and %s", got[1], got[2], m[1], m[2])
	}
}

// TestREADMEFlightExample: the call README.md names under "Two semantics" to show
// time in flight going uncharged is as ensim trace shows it: sent at the time and
// with the budget README gives, queued at the leader's node the time in flight later,
// handed over after the wait README names, with what is left of the budget, and so
// with a peer's budget that ends the time in flight after the caller's deadline.
func TestREADMEFlightExample(t *testing.T) {
	text, err := mdsection.Of(readme(t), "## Two semantics")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	flat := strings.Join(strings.Fields(text), " ")
	m := regexp.MustCompile("shows one such call in slow-leader, `([^`]+)`: its request, sent at ([0-9.]+ms) with a budget of ([0-9a-zµ.]+), reached n1's mailbox \\(`queued`\\) ([0-9a-zµ.]+) later; n1 charged only the ([0-9a-zµ.]+) it waited there \\(`budget=([0-9a-zµ.]+)`; the `after=([0-9a-zµ.]+)` of `handed` counts both\\), so the peer's budget outlasted the caller by those ([0-9a-zµ.]+)\\.").FindStringSubmatch(flat)
	if m == nil {
		t.Fatal("README.md: the example of time in flight is not where the test looks: fix the test")
	}
	call := m[1]
	code, stdout, stderr := ensim(t, "trace", "--scenario", "slow-leader", "--seed", "1", "--call", call)
	if code != exitOK {
		t.Fatalf("trace --call %s: exit %d\n%s", call, code, stderr)
	}
	record := func(kind, pattern string) []string {
		t.Helper()
		r := regexp.MustCompile(`(?m)^\s*([0-9.]+ms) +n[0-9]+ +\S+ +` + kind + ` +` + pattern).FindStringSubmatch(stdout)
		if r == nil {
			t.Fatalf("trace --call %s: no %s record matching %q in\n%s", call, kind, pattern, stdout)
		}
		return r
	}
	parse := func(s string) time.Duration {
		t.Helper()
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	send := record("send", `#([0-9]+) route ->n1/\S+ call=`+regexp.QuoteMeta(call)+` hops=1 budget=(\S+)`)
	queued := record("queued", `#`+send[2]+` `)
	handed := record("handed", `#`+send[2]+` route call=\S+ from=\S+ after=(\S+)`)
	deliver := record("deliver", `call=\S+ peer=\S+ budget=(\S+)`)
	complete := record("complete", `call=\S+ code=timeout`)
	if send[1] != m[2] || send[3] != m[3] {
		t.Errorf("the request was sent at %s with budget %s; README.md says %s and %s", send[1], send[3], m[2], m[3])
	}
	flight := parse(queued[1]) - parse(send[1])
	wait := parse(handed[1]) - parse(queued[1])
	if got := flight.Round(time.Microsecond).String(); got != m[4] || m[8] != m[4] {
		t.Errorf("in flight %v (%s rounded); README.md says %s and %s", flight, got, m[4], m[8])
	}
	if got := wait.Round(time.Microsecond).String(); got != m[5] {
		t.Errorf("waited %v (%s rounded) in the mailbox; README.md says %s", wait, got, m[5])
	}
	if deliver[2] != m[6] || handed[2] != m[7] {
		t.Errorf("handed after=%s, delivered with budget=%s; README.md says %s and %s", handed[2], deliver[2], m[7], m[6])
	}
	if got, want := parse(deliver[2]), parse(send[3])-wait; got != want {
		t.Errorf("budget at the peer %v, want the caller's %s less the wait %v", got, send[3], wait)
	}
	if over := parse(deliver[1]) + parse(deliver[2]) - parse(complete[1]); over != flight {
		t.Errorf("the peer's budget outlasts the caller's deadline by %v, want the time in flight %v", over, flight)
	}
}
