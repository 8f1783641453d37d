package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/sim"
)

func recs(kinds ...string) []sim.Record {
	out := make([]sim.Record, len(kinds))
	for i, k := range kinds {
		out[i] = sim.Record{At: 1000 * 1000 * 1000, Seq: uint64(i), Node: "n1", Kind: k}
	}
	return out
}

func TestFirstDivergence(t *testing.T) {
	tests := []struct {
		name string
		a, b []sim.Record
		want int
	}{
		{name: "equal", a: recs("call", "send"), b: recs("call", "send"), want: -1},
		{name: "both empty", want: -1},
		{name: "differ", a: recs("call", "send", "reply"), b: recs("call", "drop", "reply"), want: 1},
		{name: "prefix", a: recs("call"), b: recs("call", "send"), want: 1},
		{name: "attrs differ", a: []sim.Record{{Kind: "k", Attrs: []sim.Attr{sim.Int("x", 1)}}},
			b: []sim.Record{{Kind: "k", Attrs: []sim.Attr{sim.Int("x", 2)}}}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := firstDivergence(tc.a, tc.b); got != tc.want {
				t.Errorf("firstDivergence = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPrintDeterminism(t *testing.T) {
	a := &scenarios.Result{Report: scenarios.Report{TraceHash: "aaa"}, Trace: recs("call", "send", "reply")}
	b := &scenarios.Result{Report: scenarios.Report{TraceHash: "bbb"}, Trace: recs("call", "drop")}
	if d := compareRuns(a, a); d != nil {
		t.Fatalf("compareRuns(a, a) = %+v, want nil", d)
	}
	var buf bytes.Buffer
	printDeterminism(&buf, a, nil)
	if !strings.Contains(buf.String(), "same trace hash aaa (3 records)") {
		t.Errorf("match output = %q", buf.String())
	}

	buf.Reset()
	printDeterminism(&buf, a, compareRuns(a, b))
	got := buf.String()
	for _, w := range []string{
		"determinism check failed",
		"run 1: trace hash aaa, 3 records",
		"run 2: trace hash bbb, 2 records",
		"first diverging record: #1\n",
		"  both:  " + a.Trace[0].String() + "\n",
		"  run 1: " + a.Trace[1].String() + "\n",
		"  run 2: " + b.Trace[1].String() + "\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("mismatch output lacks %q:\n%s", w, got)
		}
	}

	buf.Reset()
	short := &scenarios.Result{Report: scenarios.Report{TraceHash: "ccc"}, Trace: recs("call")}
	printDeterminism(&buf, a, compareRuns(a, short))
	if !strings.Contains(buf.String(), "run 2: (the run ended here)") {
		t.Errorf("prefix output:\n%s", buf.String())
	}
}
