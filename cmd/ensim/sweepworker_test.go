package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// workerLines runs the worker protocol in-process on the given input lines and returns
// the result lines it wrote.
func workerLines(t *testing.T, lines ...string) ([]workerResult, error) {
	t.Helper()
	var out bytes.Buffer
	err := serveWorker(strings.NewReader(strings.Join(lines, "\n")), &out)
	var results []workerResult
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		var r workerResult
		if err := decodeStrict([]byte(l), &r); err != nil {
			t.Fatalf("worker wrote %q: %v", l, err)
		}
		results = append(results, r)
	}
	return results, err
}

func TestWorkerRunsJobs(t *testing.T) {
	spec := failingSpec(t)
	specLine, err := json.Marshal(workerSetup{Spec: spec.JSON(), Semantics: "riak"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup string
		seeds []uint64
		spec  func(seed uint64) scenarios.Spec
		sem   router.Semantics
	}{
		{name: "named scenario", setup: `{"scenario":"slow-leader","semantics":"default"}`, seeds: []uint64{2, 1},
			spec: func(uint64) scenarios.Spec { return mustNamed(t, "slow-leader") }},
		{name: "swarm draws per seed", setup: `{"scenario":"swarm","semantics":"default"}`, seeds: []uint64{3, 4},
			spec: scenarios.Swarm},
		{name: "spec", setup: string(specLine), seeds: []uint64{7},
			spec: func(uint64) scenarios.Spec { return spec }, sem: router.Riak},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Jobs alternate between asking for the trace hash and not.
			hashed := func(k int) bool { return k%2 == 0 }
			lines := []string{tc.setup}
			for k, s := range tc.seeds {
				if hashed(k) {
					lines = append(lines, `{"seed":`+jsonNumber(s)+`,"hash":true}`)
				} else {
					lines = append(lines, `{"seed":`+jsonNumber(s)+`}`)
				}
			}
			got, err := workerLines(t, lines...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.seeds) {
				t.Fatalf("%d results for %d jobs", len(got), len(tc.seeds))
			}
			for k, seed := range tc.seeds {
				res, err := scenarios.Run(tc.spec(seed), scenarios.Options{Seed: seed, Semantics: tc.sem})
				if err != nil {
					t.Fatal(err)
				}
				r := res.Report
				want := workerResult{Seed: seed, OK: len(r.Violations) == 0, Violations: r.Violations, TraceHash: r.TraceHash,
					ViolationsTotal: r.ViolationsTotal, ViolationCounts: r.ViolationCounts, Events: r.Events, Probes: r.Probes, Calls: r.Calls,
					SkippedCalls: r.SkippedCalls}
				if len(want.ViolationCounts) == 0 {
					want.ViolationCounts = nil // omitted from the JSON when empty
				}
				if want.Violations == nil {
					want.Violations = []scenarios.Violation{}
				}
				if !hashed(k) && want.OK {
					want.TraceHash = "" // a failing seed is hashed anyway, for its repro (TestRunJobRerunsFailures)
				}
				g := got[k]
				if g.WallNS <= 0 {
					t.Errorf("seed %d: wall_ns %d, want it measured", seed, g.WallNS)
				}
				g.WallNS = 0
				if diff := cmp.Diff(want, g); diff != "" {
					t.Errorf("seed %d: result (-in process +worker):\n%s", seed, diff)
				}
			}
		})
	}
}

func jsonNumber(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestWorkerBadInput(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		want    string // in the error; "" means no error
		results int
	}{
		{name: "nothing at all", lines: nil},
		{name: "setup only", lines: []string{`{"scenario":"steady","semantics":"default"}`}},
		{name: "setup not JSON", lines: []string{`hello`}, want: "bad setup"},
		{name: "setup unknown key", lines: []string{`{"scenario":"steady","semantics":"default","x":1}`}, want: `unknown field "x"`},
		{name: "setup trailing data", lines: []string{`{"scenario":"steady","semantics":"default"} {}`}, want: "trailing data"},
		{name: "no semantics", lines: []string{`{"scenario":"steady"}`}, want: `semantics ""`},
		{name: "bad semantics", lines: []string{`{"scenario":"steady","semantics":"erlang"}`}, want: `semantics "erlang"`},
		{name: "neither", lines: []string{`{"semantics":"riak"}`}, want: "exactly one of scenario and spec"},
		{name: "both", lines: []string{`{"scenario":"steady","spec":{},"semantics":"riak"}`}, want: "exactly one of scenario and spec"},
		{name: "unknown scenario", lines: []string{`{"scenario":"nope","semantics":"riak"}`}, want: `unknown scenario "nope"`},
		{name: "bad spec", lines: []string{`{"spec":{"nodes":[]},"semantics":"riak"}`}, want: "bad spec"},
		{name: "bad job after a good one", lines: []string{`{"scenario":"steady","semantics":"default"}`, `{"seed":1}`, `{"seed":"two"}`},
			want: "bad job", results: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := workerLines(t, tc.lines...)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if len(got) != tc.results {
				t.Errorf("%d results, want %d", len(got), tc.results)
			}
		})
	}
}

// TestRunJobRerunsFailures: a seed run without the trace hash that fails runs again
// with it; the second run's result stands only when it fails the same way, and
// otherwise the seed fails as nondeterministic with the first run's violations.
func TestRunJobRerunsFailures(t *testing.T) {
	spec := mustNamed(t, "steady")
	broken := scenarios.Violation{Invariant: scenarios.InvLiveness, Detail: "injected"}
	tests := []struct {
		name string
		// inject returns the violation to add to a run, or nil
		inject   func(opt scenarios.Options) *scenarios.Violation
		wantOK   bool
		wantHash bool
		wantErr  string
		want     []scenarios.Violation
	}{
		{name: "passes", inject: func(scenarios.Options) *scenarios.Violation { return nil },
			wantOK: true, want: []scenarios.Violation{}},
		{name: "fails both times", inject: func(scenarios.Options) *scenarios.Violation { return &broken },
			wantHash: true, want: []scenarios.Violation{broken}},
		{name: "fails only without the hash", inject: func(o scenarios.Options) *scenarios.Violation {
			if o.NoHash {
				return &broken
			}
			return nil
		}, wantErr: "nondeterministic: seed 1 broke 1 invariant checks run without the trace hash, and 0 run again with it",
			want: []scenarios.Violation{broken}},
		{name: "fails differently", inject: func(o scenarios.Options) *scenarios.Violation {
			v := broken
			if !o.NoHash {
				v.Detail = "other"
			}
			return &v
		}, wantErr: "nondeterministic: seed 1 broke 1 invariant checks run without the trace hash, and 1 run again with it",
			want: []scenarios.Violation{broken}},
		// The same violations kept, but more found: the reports keep only the first
		// of each invariant, and the counts must agree too.
		{name: "counts differently", inject: func(o scenarios.Options) *scenarios.Violation {
			v := broken
			if !o.NoHash {
				v.Call = "more" // counted, not kept
			}
			return &v
		}, wantErr: "nondeterministic: seed 1 broke 1 invariant checks run without the trace hash, and 2 run again with it",
			want: []scenarios.Violation{broken}},
	}
	defer func(f func(scenarios.Spec, scenarios.Options) (*scenarios.Result, error)) { simulateJob = f }(simulateJob)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			simulateJob = func(spec scenarios.Spec, opt scenarios.Options) (*scenarios.Result, error) {
				res, err := simulate(spec, opt)
				if err == nil {
					if v := tc.inject(opt); v != nil {
						r := &res.Report
						r.ViolationsTotal++
						r.ViolationCounts[v.Invariant]++
						if v.Call == "more" {
							r.ViolationsTotal++
							r.ViolationCounts[v.Invariant]++
							v.Call = ""
						}
						r.Violations = append(r.Violations, *v)
					}
				}
				return res, err
			}
			got := runJob(spec, 1, router.Default, false)
			if got.OK != tc.wantOK || got.Error != tc.wantErr || (len(got.TraceHash) == 32) != tc.wantHash {
				t.Errorf("ok %v, error %q, hash %q; want ok %v, error %q, a hash: %v",
					got.OK, got.Error, got.TraceHash, tc.wantOK, tc.wantErr, tc.wantHash)
			}
			if diff := cmp.Diff(tc.want, got.Violations); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkSweepWorker runs leader-churn seeds 1 to b.N through serveWorker, as a
// sweep's worker runs them: each job decoded, its spec drawn for its seed, run without
// the trace hash, its result encoded, and garbage collected between seeds by the
// worker's own policy, at ensim's GOGC unless the environment sets one. It reports
// seeds/s, the figure of the README's sweep target without the sweep's own process
// and its second runs (--recheck); -cpuprofile profiles exactly a worker's path.
// A seed that fails fails the benchmark (the worker runs a failing seed again, with
// the trace hash, which the figure would count as one seed).
func BenchmarkSweepWorker(b *testing.B) {
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(gcPercentFor([]string{workerCommand})))
	}
	var in, out bytes.Buffer
	in.WriteString(`{"scenario":"leader-churn","semantics":"default"}` + "\n")
	for seed := 1; seed <= b.N; seed++ {
		fmt.Fprintf(&in, "{\"seed\":%d}\n", seed)
	}
	out.Grow(2048 * b.N)
	b.ResetTimer()
	if err := serveWorker(&in, &out); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
	n := 0
	for line := range strings.Lines(out.String()) {
		var r workerResult
		if err := decodeStrict([]byte(line), &r); err != nil {
			b.Fatalf("worker wrote %q: %v", line, err)
		}
		if r.failed() {
			b.Fatalf("seed %d failed: %s %+v", r.Seed, r.Error, r.Violations)
		}
		n++
	}
	if n != b.N {
		b.Fatalf("%d results for %d seeds", n, b.N)
	}
}
