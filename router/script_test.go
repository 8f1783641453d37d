package router_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/routertest"
)

// TestScripts runs the interaction scripts in testdata/: each is a conversation with a
// hand-driven cluster whose expected output is the router's structured trace.
// Regenerate with: go test ./router -run TestScripts -rewrite
//
// Only testdata/*.txt are scripts: rapid keeps its fail files under testdata/rapid/.
func TestScripts(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in testdata (err %v)", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			runScript(t, path, bugs.Set{})
		})
	}
}

// runScript runs one script; injected bugs apply to every world it builds. With bugs
// injected it refuses to run under -rewrite, which would write the broken output into
// the script.
func runScript(t testing.TB, path string, inject bugs.Set) {
	if inject != (bugs.Set{}) && rewriting() {
		t.Fatalf("%s: refusing to rewrite a script with bugs injected", path)
	}
	var env *routertest.Env
	datadriven.RunTestAny(t, path, func(t testing.TB, d *datadriven.TestData) string {
		out, err := runCmd(&env, d, inject)
		if env != nil {
			log := env.TakeLog()
			if len(log) > 0 {
				out = strings.Join(log, "\n") + "\n" + out
			}
			for _, id := range env.Nodes() {
				// No script expects this line, so a builder that leaves its event
				// behind fails the script that makes the event.
				if err := router.EventLeftover(env.Node(id)); err != nil {
					out += "bad event: " + err.Error() + "\n"
				}
			}
		}
		if err != nil {
			out += "error: " + err.Error() + "\n"
		}
		if out == "" {
			return "ok\n"
		}
		return out
	})
}

type args struct {
	d *datadriven.TestData
}

func (a args) get(key string) (string, bool) {
	for _, c := range a.d.CmdArgs {
		if c.Key == key {
			if len(c.Vals) == 0 {
				return "", true
			}
			return c.Vals[0], true
		}
	}
	return "", false
}

func (a args) list(key string) []string {
	for _, c := range a.d.CmdArgs {
		if c.Key == key {
			return c.Vals
		}
	}
	return nil
}

func (a args) str(key string) (string, error) {
	v, ok := a.get(key)
	if !ok {
		return "", fmt.Errorf("%s: missing argument %s", a.d.Cmd, key)
	}
	return v, nil
}

func (a args) dur(key string) (time.Duration, error) {
	v, err := a.str(key)
	if err != nil {
		return 0, err
	}
	if v == "inf" {
		return router.Infinity, nil
	}
	return time.ParseDuration(v)
}

func (a args) num(key string) (int, error) {
	v, err := a.str(key)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// parsePeer parses ens/name@node, or "-" for none.
func parsePeer(s string) (router.PeerRef, error) {
	if s == "-" {
		return router.PeerRef{}, nil
	}
	en, rest, ok1 := strings.Cut(s, "/")
	name, nd, ok2 := strings.Cut(rest, "@")
	if !ok1 || !ok2 || en == "" || name == "" || nd == "" {
		return router.PeerRef{}, fmt.Errorf("peer %q: want ens/name@node", s)
	}
	return router.PeerRef{Ensemble: router.EnsembleID(en), Name: name, Node: router.NodeID(nd)}, nil
}

func runCmd(envp **routertest.Env, d *datadriven.TestData, inject bugs.Set) (string, error) {
	a := args{d: d}
	if d.Cmd == "world" {
		return "", newWorld(envp, a, inject)
	}
	env := *envp
	if env == nil {
		return "", fmt.Errorf("%s before world", d.Cmd)
	}
	switch d.Cmd {
	case "learn":
		return learn(env, a)
	case "peer":
		return "", setPeer(env, a)
	case "unpeer":
		s, err := a.str("ref")
		if err != nil {
			return "", err
		}
		ref, err := parsePeer(s)
		if err != nil {
			return "", err
		}
		return "", env.RemovePeer(ref)
	case "call":
		return call(env, a)
	case "cast":
		return cast(env, a)
	case "deliver", "arrive", "drop", "dup", "shed":
		return flightCmd(env, a)
	case "serve":
		nd, err := a.str("node")
		if err != nil {
			return "", err
		}
		r, err := a.num("r")
		if err != nil {
			return "", err
		}
		return "", env.Serve(router.NodeID(nd), r)
	case "tick":
		dd, err := a.dur("d")
		if err != nil {
			return "", err
		}
		env.Advance(dd)
		return fmt.Sprintf("now %s\n", env.Now()), nil
	case "disconnect", "connect":
		from, err := a.str("from")
		if err != nil {
			return "", err
		}
		to, err := a.str("to")
		if err != nil {
			return "", err
		}
		if d.Cmd == "connect" {
			env.Connect(router.NodeID(from), router.NodeID(to))
		} else {
			env.Disconnect(router.NodeID(from), router.NodeID(to))
		}
		return "", nil
	case "restart":
		nd, err := a.str("node")
		if err != nil {
			return "", err
		}
		dir, _ := a.get("dir")
		return "", env.Restart(router.NodeID(nd), dir == "keep")
	case "answer":
		return "", answer(env, a)
	case "flights":
		var b strings.Builder
		for _, f := range env.Flights() {
			fmt.Fprintln(&b, f)
		}
		if b.Len() == 0 {
			return "no flights\n", nil
		}
		return b.String(), nil
	case "timers":
		ts := env.Timers()
		if len(ts) == 0 {
			return "no timers\n", nil
		}
		return strings.Join(ts, "\n") + "\n", nil
	case "pending":
		return pending(env), nil
	case "stats":
		nd, err := a.str("node")
		if err != nil {
			return "", err
		}
		return statsLine(env.Node(router.NodeID(nd)).Stats()), nil
	case "results":
		return results(env), nil
	}
	return "", fmt.Errorf("unknown command %q", d.Cmd)
}

func newWorld(envp **routertest.Env, a args, inject bugs.Set) error {
	cfg := routertest.Config{Bugs: inject}
	if s, ok := a.get("semantics"); ok {
		sem, err := router.ParseSemantics(s)
		if err != nil {
			return err
		}
		cfg.Semantics = sem
	}
	if _, ok := a.get("routers"); ok {
		r, err := a.num("routers")
		if err != nil {
			return err
		}
		cfg.Routers = r
	}
	if _, ok := a.get("hoplimit"); ok {
		h, err := a.num("hoplimit")
		if err != nil {
			return err
		}
		cfg.HopLimit = h
	}
	env := routertest.New(cfg)
	for _, n := range a.list("nodes") {
		if _, err := env.AddNode(router.NodeID(n)); err != nil {
			return err
		}
	}
	*envp = env
	return nil
}

func learn(env *routertest.Env, a args) (string, error) {
	ens, err := a.str("ens")
	if err != nil {
		return "", err
	}
	ls, err := a.str("leader")
	if err != nil {
		return "", err
	}
	leader, err := parsePeer(ls)
	if err != nil {
		return "", err
	}
	v, err := a.num("v")
	if err != nil {
		return "", err
	}
	e := router.Entry{Ensemble: router.EnsembleID(ens), Leader: leader, Version: uint64(v)}
	var b strings.Builder
	for _, nd := range a.list("nodes") {
		n := env.Node(router.NodeID(nd))
		if n == nil {
			return "", fmt.Errorf("unknown node %s", nd)
		}
		if !n.Learn(e) {
			fmt.Fprintf(&b, "%s: kept %v (not newer)\n", nd, mustLookup(n, e.Ensemble))
		}
	}
	return b.String(), nil
}

func mustLookup(n *router.Node, e router.EnsembleID) router.Entry {
	en, _ := n.Directory().Lookup(e)
	return en
}

func setPeer(env *routertest.Env, a args) error {
	s, err := a.str("ref")
	if err != nil {
		return err
	}
	ref, err := parsePeer(s)
	if err != nil {
		return err
	}
	role, err := a.str("role")
	if err != nil {
		return err
	}
	m := routertest.Mode{Ref: ref, Role: role}
	if l, ok := a.get("leader"); ok {
		if m.Leader, err = parsePeer(l); err != nil {
			return err
		}
	}
	return env.SetPeer(m)
}

func target(a args) (router.Target, error) {
	var t router.Target
	if e, ok := a.get("ens"); ok {
		t = router.ToEnsemble(router.EnsembleID(e))
	}
	if p, ok := a.get("peer"); ok {
		ref, err := parsePeer(p)
		if err != nil {
			return t, err
		}
		t.Peer = ref
	}
	if v, ok := a.get("via"); ok {
		t = t.Through(router.NodeID(v))
	}
	return t, nil
}

func call(env *routertest.Env, a args) (string, error) {
	nd, err := a.str("node")
	if err != nil {
		return "", err
	}
	t, err := target(a)
	if err != nil {
		return "", err
	}
	timeout, err := a.dur("timeout")
	if err != nil {
		return "", err
	}
	ev, _ := a.get("ev")
	if _, err := env.Call(router.NodeID(nd), t, ev, timeout); err != nil {
		return fmt.Sprintf("refused: %v\n", err), nil
	}
	return "", nil
}

func cast(env *routertest.Env, a args) (string, error) {
	nd, err := a.str("node")
	if err != nil {
		return "", err
	}
	t, err := target(a)
	if err != nil {
		return "", err
	}
	ev, _ := a.get("ev")
	n := env.Node(router.NodeID(nd))
	if n == nil {
		return "", fmt.Errorf("unknown node %s", nd)
	}
	if err := n.Cast(t, []byte(ev)); err != nil {
		return fmt.Sprintf("refused: %v\n", err), nil
	}
	return "", nil
}

func flightCmd(env *routertest.Env, a args) (string, error) {
	if _, ok := a.get("id"); !ok && a.d.Cmd == "deliver" {
		n, err := env.DeliverAll(100)
		if err == nil && len(env.Flights()) > 0 {
			err = fmt.Errorf("still %d flights after %d deliveries", len(env.Flights()), n)
		}
		return "", err
	}
	id, err := a.num("id")
	if err != nil {
		return "", err
	}
	switch a.d.Cmd {
	case "deliver":
		if _, ok := a.get("arrived"); ok {
			at, err := a.dur("arrived")
			if err != nil {
				return "", err
			}
			return "", env.DeliverArrivedAt(id, at)
		}
		return "", env.Deliver(id)
	case "arrive":
		return "", env.Arrive(id)
	case "drop":
		return "", env.Drop(id)
	case "shed":
		return "", env.Shed(id)
	}
	_, err = env.Dup(id)
	return "", err
}

func answer(env *routertest.Env, a args) error {
	id, err := a.num("id")
	if err != nil {
		return err
	}
	if v, ok := a.get("reply"); ok {
		return env.Answer(id, "reply", v, router.PeerRef{})
	}
	if _, ok := a.get("nack"); ok {
		return env.Answer(id, "nack", "", router.PeerRef{})
	}
	if f, ok := a.get("forward"); ok {
		ref, err := parsePeer(f)
		if err != nil {
			return err
		}
		return env.Answer(id, "forward", "", ref)
	}
	return fmt.Errorf("answer: want reply=V, nack or forward=PEER")
}

func pending(env *routertest.Env) string {
	var b strings.Builder
	for _, id := range env.Nodes() {
		n := env.Node(id)
		fmt.Fprintf(&b, "%s: pending=%v workers=%d\n", id, n.Pending(), n.Workers())
	}
	return b.String()
}

// results lists every completed call with all its outcomes; exactly-once shows as one.
func results(env *routertest.Env) string {
	var b strings.Builder
	for _, id := range env.Calls() {
		for _, r := range env.Results(id) {
			if r.Err != nil {
				fmt.Fprintf(&b, "%s: err=%v\n", id, r.Err)
			} else {
				fmt.Fprintf(&b, "%s: ok %q by=%s\n", id, r.Value, r.Peer)
			}
		}
	}
	if b.Len() == 0 {
		return "no results\n"
	}
	return b.String()
}

// statsLine prints the non-zero counters of s, so scripts show what happened and do not
// change when a counter is added.
func statsLine(s router.Stats) string {
	var parts []string
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		name, f := v.Type().Field(i).Name, v.Field(i)
		if f.Kind() == reflect.Array {
			for c := 0; c < f.Len(); c++ {
				if n := f.Index(c).Uint(); n > 0 {
					parts = append(parts, fmt.Sprintf("%s[%s]=%d", name, router.Code(c), n))
				}
			}
			continue
		}
		if n := f.Uint(); n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", name, n))
		}
	}
	if len(parts) == 0 {
		return "all counters zero\n"
	}
	return strings.Join(parts, " ") + "\n"
}
