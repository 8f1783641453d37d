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

// feed returns diverge's run for runs whose records are given: run k hands out
// runs[k]'s records and returns its hash (hashes[k]). made counts the runs made.
func feed(runs [3][]sim.Record, hashes [3]string, made *int) func(int, func(*sim.Record)) (string, error) {
	return func(k int, each func(*sim.Record)) (string, error) {
		*made++
		for i := range runs[k] {
			r := runs[k][i]
			each(&r)
		}
		return hashes[k], nil
	}
}

// TestDiverge: diverge finds the first record where two runs part from the records'
// fingerprints alone, reads the first run's record there from a third run only when
// it needs one, and says when that third run parts from the first before it.
func TestDiverge(t *testing.T) {
	tests := []struct {
		name      string
		a, b, c   []sim.Record
		same      bool // equal hashes
		want      int
		wantAt    [2]string
		wantPrev  string
		wantRuns  int
		wantNotes string // in the first run's record, when it is not known
	}{
		{name: "equal", a: recs("call", "send"), b: recs("call", "send"), same: true, want: -1, wantRuns: 2},
		{name: "both empty", same: true, want: -1, wantRuns: 2},
		{name: "differ", a: recs("call", "send", "reply"), b: recs("call", "drop", "reply"), c: recs("call", "send", "reply"),
			want: 1, wantAt: [2]string{recs("call", "send")[1].String(), recs("call", "drop")[1].String()}, wantPrev: recs("call")[0].String(), wantRuns: 3},
		{name: "second longer", a: recs("call"), b: recs("call", "send"),
			want: 1, wantAt: [2]string{"", recs("call", "send")[1].String()}, wantPrev: recs("call")[0].String(), wantRuns: 2},
		{name: "second shorter", a: recs("call", "send"), b: recs("call"), c: recs("call", "send"),
			want: 1, wantAt: [2]string{recs("call", "send")[1].String(), ""}, wantPrev: recs("call")[0].String(), wantRuns: 3},
		{name: "attrs differ", a: []sim.Record{{Kind: "k", Attrs: []sim.Attr{sim.Int("x", 1)}}},
			b: []sim.Record{{Kind: "k", Attrs: []sim.Attr{sim.Int("x", 2)}}}, c: []sim.Record{{Kind: "k", Attrs: []sim.Attr{sim.Int("x", 1)}}},
			want: 0, wantAt: [2]string{"     0.000ms -        k x=1", "     0.000ms -        k x=2"}, wantRuns: 3},
		{name: "equal records, hashes differ", a: recs("call"), b: recs("call"), want: -1, wantRuns: 2},
		{name: "third run parts early", a: recs("call", "send", "reply"), b: recs("call", "send", "drop"), c: recs("drop", "send", "reply"),
			want: 2, wantRuns: 3, wantNotes: "parted from run 1 at #0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hashes := [3]string{"aaa", "bbb", "aaa"}
			if tc.same {
				hashes[1] = "aaa"
			}
			made := 0
			d, err := diverge(feed([3][]sim.Record{tc.a, tc.b, tc.c}, hashes, &made))
			if err != nil {
				t.Fatal(err)
			}
			if made != tc.wantRuns {
				t.Errorf("%d runs made, want %d", made, tc.wantRuns)
			}
			if tc.same {
				if d != nil {
					t.Errorf("diverge = %+v for equal hashes, want nil", d)
				}
				return
			}
			if d.index != tc.want || d.n != [2]int{len(tc.a), len(tc.b)} {
				t.Fatalf("index %d, records %v; want %d, %v", d.index, d.n, tc.want, [2]int{len(tc.a), len(tc.b)})
			}
			if tc.wantNotes != "" {
				if !strings.Contains(d.at[0], tc.wantNotes) {
					t.Errorf("run 1's record %q, want a note of %q", d.at[0], tc.wantNotes)
				}
				return
			}
			if d.at != tc.wantAt || d.prev != tc.wantPrev {
				t.Errorf("at %q, prev %q; want %q, %q", d.at, d.prev, tc.wantAt, tc.wantPrev)
			}
		})
	}
}

func TestPrintDeterminism(t *testing.T) {
	a, b := recs("call", "send", "reply"), recs("call", "drop")
	res := &scenarios.Result{Report: scenarios.Report{TraceHash: "aaa", TraceEvents: 3}}
	var buf bytes.Buffer
	printDeterminism(&buf, res, nil)
	if !strings.Contains(buf.String(), "same trace hash aaa (3 records)") {
		t.Errorf("match output = %q", buf.String())
	}
	made := 0
	d, err := diverge(feed([3][]sim.Record{a, b, a}, [3]string{"aaa", "bbb", "aaa"}, &made))
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	printDeterminism(&buf, res, d)
	got := buf.String()
	for _, w := range []string{
		"determinism check failed",
		"run 1: trace hash aaa, 3 records",
		"run 2: trace hash bbb, 2 records",
		"first diverging record: #1\n",
		"  both:  " + a[0].String() + "\n",
		"  run 1: " + a[1].String() + "\n",
		"  run 2: " + b[1].String() + "\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("mismatch output lacks %q:\n%s", w, got)
		}
	}

	buf.Reset()
	if d, err = diverge(feed([3][]sim.Record{a, a[:1], a}, [3]string{"aaa", "ccc", "aaa"}, &made)); err != nil {
		t.Fatal(err)
	}
	printDeterminism(&buf, res, d)
	if !strings.Contains(buf.String(), "run 2: (the run ended here)") {
		t.Errorf("prefix output:\n%s", buf.String())
	}
}
