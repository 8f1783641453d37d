package traceview_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

var update = flag.Bool("update", false, "rewrite the golden views in testdata/golden")

// run is one simulated run for the tests: a spec, a seed and a semantics.
type run struct {
	spec scenarios.Spec
	seed uint64
	sem  router.Semantics
}

// named returns a named scenario's run.
func named(t testing.TB, name string, seed uint64, sem router.Semantics) run {
	t.Helper()
	s, ok := scenarios.ForSeed(name, seed)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	return run{spec: s, seed: seed, sem: sem}
}

// specFile returns the run of a spec file, or of a repro file with its own seed and
// semantics.
func specFile(t testing.TB, path string) run {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rp struct {
		Seed      *uint64         `json:"seed"`
		Semantics string          `json:"semantics"`
		Spec      json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(data, &rp); err == nil && rp.Seed != nil {
		sem, err := router.ParseSemantics(rp.Semantics)
		if err != nil {
			t.Fatal(err)
		}
		s, err := scenarios.Parse(bytes.NewReader(rp.Spec))
		if err != nil {
			t.Fatal(err)
		}
		return run{spec: s, seed: *rp.Seed, sem: sem}
	}
	s, err := scenarios.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return run{spec: s, seed: 1, sem: router.Default}
}

// trace runs r with the trace kept and analyses it.
func (r run) trace(t testing.TB) (*traceview.Trace, *scenarios.Result) {
	t.Helper()
	res, err := scenarios.Run(r.spec, scenarios.Options{Seed: r.seed, Semantics: r.sem, KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	nodes := append(append([]string(nil), r.spec.Nodes...), r.spec.Clients...)
	title := fmt.Sprintf("%s, seed %d, %s semantics", r.spec.Name, r.seed, r.sem) // as ensim trace says
	return traceview.New(res.Trace, traceview.Meta{Title: title, Nodes: nodes}), res
}

// TestGolden pins the text and JSON lines views of a few runs. After a change,
// review the diff and rewrite them with
//
//	go test ./scenarios/traceview -run TestGolden -update
func TestGolden(t *testing.T) {
	faults := specFile(t, filepath.Join("testdata", "faults.json"))
	tests := []struct {
		name   string
		run    run
		filter traceview.Filter
	}{
		// One of each fault: a duplicated reply, a hold, a pause, a partition, an
		// election, a crash; a timeout and late replies.
		{name: "faults", run: faults},
		{name: "faults-window", run: faults, filter: traceview.Filter{From: 50 * time.Millisecond, To: 54 * time.Millisecond}},
		// A call that times out at n3 while e1's slow leader works on; its reply
		// arrives late and is dropped.
		{name: "slow-leader-late-reply", run: named(t, "slow-leader", 1, router.Default), filter: traceview.Filter{Call: "n3.1.214"}},
		// A request bouncing between n1 and n2 until it runs out of hops.
		{name: "hop-limit", run: specFile(t, filepath.Join("..", "testdata", "regressions", "drop-hop-count-regressed-leader.json")),
			filter: traceview.Filter{Call: "n2.2.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := tc.run.trace(t)
			for _, f := range []struct {
				format traceview.Format
				ext    string
			}{{traceview.Text, ".txt"}, {traceview.JSONL, ".jsonl"}} {
				var buf bytes.Buffer
				if err := tr.Write(&buf, f.format, tc.filter); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", tc.name+f.ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (create it with -update)", err)
				}
				if diff := cmp.Diff(string(want), buf.String()); diff != "" {
					t.Errorf("%s view changed (-golden +now); if intended, rerun with -update:\n%s", f.format, diff)
				}
			}
		})
	}
}
