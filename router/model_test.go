package router_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/routertest"
)

// injectEnv names the environment variable that makes TestModel run with one injected
// bug (a name bugs.Parse knows). Only TestModelCatchesBugs sets it, for a child process.
const injectEnv = "ENSROUTE_INJECT"

// TestModel drives a hand-driven cluster with random actions and checks every call
// against a small model after each one. Set ENSROUTE_INJECT to a bug name to run it
// against a broken core (TestModelCatchesBugs does).
func TestModel(t *testing.T) {
	var inject bugs.Set
	if name := os.Getenv(injectEnv); name != "" {
		b, ok := bugs.Parse(name)
		if !ok {
			t.Fatalf("%s=%q: no such bug", injectEnv, name)
		}
		inject = bugs.Of(b)
	}
	rapid.Check(t, modelProp(inject))
}

// The model's world: three nodes, one ensemble whose leader is a hang peer on n2, so
// every request is held until the test answers it. Every directory is right and stays
// right (restarts keep it), so the only outcomes are the answer or a timeout.
const (
	modelTick = 10 * time.Millisecond // every timeout and advance is a multiple
	modelEns  = router.EnsembleID("e1")
)

var (
	modelNodes  = []router.NodeID{"n1", "n2", "n3"}
	modelLeader = router.PeerRef{Ensemble: modelEns, Name: "p2", Node: "n2"}
)

// modelCall is what the model knows about one call.
type modelCall struct {
	id       router.CallID
	deadline time.Duration
	done     bool
	at       time.Duration // when it completed, if done
	res      router.Result
	// dead: the caller's node restarted before the call completed; the call's proxy
	// died with it, so it must never complete. gone is how many results it had then.
	dead bool
	gone int
}

type model struct {
	env     *routertest.Env
	calls   []*modelCall
	byID    map[router.CallID]*modelCall
	answers map[router.CallID][]string // values the test gave requests of each call
	nextVal int
}

// newModelEnv is the model's world: modelNodes, each knowing modelLeader as
// modelEns's leader, whose peer hangs until the model answers for it.
func newModelEnv(t interface{ Fatal(...any) }, cfg routertest.Config) *routertest.Env {
	env := routertest.New(cfg)
	for _, n := range modelNodes {
		if _, err := env.AddNode(n); err != nil {
			t.Fatal(err)
		}
		env.Node(n).Learn(router.Entry{Ensemble: modelEns, Leader: modelLeader, Version: 1})
	}
	if err := env.SetPeer(routertest.Mode{Ref: modelLeader, Role: "hang"}); err != nil {
		t.Fatal(err)
	}
	return env
}

// modelProp is the property TestModel checks, with inject applied to the core.
func modelProp(inject bugs.Set) func(*rapid.T) {
	return func(t *rapid.T) {
		sem := rapid.SampledFrom([]router.Semantics{router.Default, router.Riak}).Draw(t, "semantics")
		env := newModelEnv(t, routertest.Config{Semantics: sem, Bugs: inject})
		m := &model{env: env, byID: make(map[router.CallID]*modelCall), answers: make(map[router.CallID][]string)}
		t.Repeat(map[string]func(*rapid.T){
			"call":    m.call,
			"reply":   m.reply,
			"dup":     m.flight("dup", func(id int) error { _, err := env.Dup(id); return err }),
			"deliver": m.flight("deliver", env.Deliver),
			"drop":    m.flight("drop", env.Drop),
			"advance": m.advance,
			"restart": m.restart,
			"":        m.check,
		})
	}
}

func (m *model) call(t *rapid.T) {
	from := rapid.SampledFrom(modelNodes).Draw(t, "from")
	timeout := time.Duration(rapid.IntRange(1, 50).Draw(t, "timeout")) * modelTick
	ev := fmt.Sprintf("ev%d", len(m.calls))
	id, err := m.env.Call(from, router.ToEnsemble(modelEns), ev, timeout)
	if err != nil {
		t.Fatalf("call from %s with timeout %v refused: %v", from, timeout, err)
	}
	t.Logf("call %s from %s timeout=%v at %v", id, from, timeout, m.env.Now())
	if old, ok := m.byID[id]; ok {
		t.Fatalf("[unique-call-id] call %s reuses the id of an earlier call (deadline %v)", id, old.deadline)
	}
	c := &modelCall{id: id, deadline: m.env.Now() + timeout}
	m.calls = append(m.calls, c)
	m.byID[id] = c
	m.check(t) // a call may complete at once
}

// reply answers a random held request with a value unique to this answer, and notes it
// as an answer to the request's own call.
func (m *model) reply(t *rapid.T) {
	held := m.env.Held()
	if len(held) == 0 {
		t.Skip("no held request")
	}
	h := rapid.SampledFrom(held).Draw(t, "held")
	m.nextVal++
	v := fmt.Sprintf("a%d", m.nextVal)
	m.answers[h.Req.Call()] = append(m.answers[h.Req.Call()], v)
	t.Logf("answer #%d (call %s) with %s", h.ID, h.Req.Call(), v)
	if err := m.env.Answer(h.ID, "reply", v, router.PeerRef{}); err != nil {
		t.Fatal(err)
	}
}

// flight returns an action that applies do to a random flight.
func (m *model) flight(name string, do func(id int) error) func(*rapid.T) {
	return func(t *rapid.T) {
		fs := m.env.Flights()
		if len(fs) == 0 {
			t.Skip("no flight")
		}
		f := rapid.SampledFrom(fs).Draw(t, "flight")
		t.Logf("%s %s", name, f)
		if err := do(f.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// advance moves time in steps of modelTick and checks after each step. Every timer is
// set on a multiple of modelTick (timeouts are, and so is every moment anything
// happens), so a completion first seen after a step happened exactly at its end.
func (m *model) advance(t *rapid.T) {
	steps := rapid.IntRange(1, 40).Draw(t, "steps")
	t.Logf("advance %v from %v", time.Duration(steps)*modelTick, m.env.Now())
	for range steps {
		m.env.Advance(modelTick)
		m.check(t)
	}
}

func (m *model) restart(t *rapid.T) {
	n := rapid.SampledFrom(modelNodes).Draw(t, "node")
	t.Logf("restart %s at %v", n, m.env.Now())
	for _, c := range m.calls {
		if c.id.Node == n && !c.done && !c.dead {
			c.dead, c.gone = true, len(m.env.Results(c.id))
		}
	}
	if err := m.env.Restart(n, true); err != nil {
		t.Fatal(err)
	}
}

// check compares every call with the model. The tags in brackets name the invariant
// (README.md, "Invariants") a failure breaks.
func (m *model) check(t *rapid.T) {
	now := m.env.Now()
	for _, n := range modelNodes {
		if err := router.EventLeftover(m.env.Node(n)); err != nil {
			t.Fatalf("[event-clean] %v", err)
		}
	}
	for _, c := range m.calls {
		rs := m.env.Results(c.id)
		if len(rs) > 1 {
			t.Fatalf("[exactly-once] call %s completed %d times: %v", c.id, len(rs), rs)
		}
		if c.dead {
			if len(rs) > c.gone {
				t.Fatalf("[old-incarnation] call %s of a restarted node's previous life completed after the restart at %v: %v", c.id, now, rs[len(rs)-1])
			}
			continue
		}
		if c.done {
			continue // len(rs) == 1, so the one result is the one already checked
		}
		if len(rs) == 0 {
			if now >= c.deadline {
				t.Fatalf("[deadline] call %s still pending at %v, its deadline was %v", c.id, now, c.deadline)
			}
			continue
		}
		c.done, c.at, c.res = true, now, rs[0]
		m.checkOutcome(t, c)
	}
}

// checkOutcome checks the one outcome of call c, which completed at c.at.
func (m *model) checkOutcome(t *rapid.T, c *modelCall) {
	r := c.res
	if c.at > c.deadline {
		t.Fatalf("[deadline] call %s completed at %v, after its deadline %v", c.id, c.at, c.deadline)
	}
	switch {
	case r.Err == nil:
		if !slices.Contains(m.answers[c.id], string(r.Value)) {
			t.Fatalf("[reply-matches-call] call %s succeeded with %q, but its own requests were answered %v", c.id, r.Value, m.answers[c.id])
		}
		if r.Peer != modelLeader {
			t.Fatalf("[result-from-peer] call %s succeeded with a value from %s, want %s", c.id, r.Peer, modelLeader)
		}
	case errors.Is(r.Err, router.ErrTimeout):
		// Nothing in this world fails early (no nack, no missing leader, no lost
		// connection), so under either semantics a timeout comes from the deadline.
		if c.at < c.deadline {
			t.Fatalf("[deadline] call %s timed out at %v, before its deadline %v", c.id, c.at, c.deadline)
		}
	default:
		t.Fatalf("call %s failed with %v; only success or timeout is possible here", c.id, r.Err)
	}
}

// TestModelCatchesBugs shows that the model test notices each bug it exists for: it
// runs TestModel in a child process (the test binary itself) with the bug injected
// and expects it to fail, naming the broken invariant. A child process keeps rapid's
// flags (no fail files, a short shrink) and any panic away from this process.
func TestModelCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the model test once per bug in a child process; skipped with -short")
	}
	tests := []struct {
		name string
		bug  bugs.Bug
		want []string // the failure names one of these invariants
	}{
		{name: "late-reply", bug: bugs.LateReply, want: []string{"[exactly-once]"}},
		{name: "ignore-deadline", bug: bugs.IgnoreDeadline, want: []string{"[deadline]"}},
		// A crossed reply shows as a value answered to another call, or, under riak, as
		// another call's worker timeout completing this call before its deadline.
		{name: "cross-reply", bug: bugs.CrossReply, want: []string{"[reply-matches-call]", "[deadline]"}},
		{name: "reuse-call-id", bug: bugs.ReuseCallID, want: []string{"[unique-call-id]", "[old-incarnation]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0],
				"-test.run=^TestModel$", "-test.count=1", "-test.v",
				"-rapid.nofailfile", "-rapid.shrinktime=3s", "-rapid.checks=1000")
			cmd.Env = append(os.Environ(), injectEnv+"="+tc.bug.String())
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("TestModel with %s injected did not fail (err %v); output:\n%s", tc.bug, err, out)
			}
			found := ""
			for _, w := range tc.want {
				if strings.Contains(string(out), w) {
					found = w
					break
				}
			}
			if found == "" {
				t.Fatalf("TestModel with %s injected failed without naming any of %v; output:\n%s", tc.bug, tc.want, out)
			}
			t.Logf("%s caught by %s:\n%s", tc.bug, found, failureLine(string(out), found))
		})
	}
}

// failureLine returns the first line of out that contains tag.
func failureLine(out, tag string) string {
	for line := range strings.Lines(out) {
		if strings.Contains(line, tag) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
