package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// pipe is a worker's stdin in memory: the job lines the sweep wrote to it.
type pipe struct {
	bytes.Buffer
	closed bool
}

func (p *pipe) Close() error { p.closed = true; return nil }

// seeds returns the seeds of the job lines written to p so far.
func (p *pipe) seeds(t *testing.T) []uint64 {
	t.Helper()
	var out []uint64
	dec := json.NewDecoder(bytes.NewReader(p.Bytes()))
	for dec.More() {
		var j workerJob
		if err := dec.Decode(&j); err != nil {
			t.Fatal(err)
		}
		out = append(out, j.Seed)
	}
	return out
}

// memSweeper is a sweeper of n seeds of steady over workers that are only their
// stdins: assign and handle run as in a sweep, without processes. Its repros go to a
// temporary directory.
func memSweeper(t *testing.T, n uint64, workers int) (*sweeper, []*pipe) {
	s := &sweeper{
		o:        &sweepOptions{parallel: workers, keepGoing: true, out: t.TempDir()},
		specOf:   func(uint64) scenarios.Spec { s, _ := scenarios.Named("steady"); return s },
		ctx:      context.Background(),
		seeds:    seedRange{first: 1, step: 1, count: n},
		failures: map[uint64]*sweepFailure{},
		firsts:   map[uint64]firstRun{},
		probes:   map[string]uint64{},
	}
	var pipes []*pipe
	for i := range workers {
		p := &pipe{}
		pipes = append(pipes, p)
		s.workers = append(s.workers, &worker{id: i + 1, stdin: p, stderr: &headBuffer{max: 1 << 10}, cancel: func() {}})
	}
	return s, pipes
}

// answer feeds the sweep worker w's result for its oldest job, a passing run.
func answer(s *sweeper, w *worker) {
	s.handle(workerEvent{w: w, res: &workerResult{Seed: w.jobs[0].seed, OK: true}})
}

// TestAssignHandsOutAhead: every worker is handed workerDepth jobs, the first ones
// one to each worker in turn, and one more each time it answers; when the seeds run
// out the workers are closed only once they have answered everything.
func TestAssignHandsOutAhead(t *testing.T) {
	s, pipes := memSweeper(t, 7, 2)
	s.assign()
	if diff := cmp.Diff([][]uint64{{1, 3}, {2, 4}}, [][]uint64{pipes[0].seeds(t), pipes[1].seeds(t)}); diff != "" {
		t.Fatalf("first hand-out (-want +got):\n%s", diff)
	}
	answer(s, s.workers[1]) // seed 2
	s.assign()
	answer(s, s.workers[0]) // seed 1
	answer(s, s.workers[0]) // seed 3
	s.assign()
	if diff := cmp.Diff([][]uint64{{1, 3, 6, 7}, {2, 4, 5}}, [][]uint64{pipes[0].seeds(t), pipes[1].seeds(t)}); diff != "" {
		t.Fatalf("after three answers (-want +got):\n%s", diff)
	}
	for len(s.workers[0].jobs)+len(s.workers[1].jobs) > 0 {
		if pipes[0].closed || pipes[1].closed {
			t.Fatalf("a worker was closed with jobs still out: %d and %d", len(s.workers[0].jobs), len(s.workers[1].jobs))
		}
		for _, w := range s.workers {
			if len(w.jobs) > 0 {
				answer(s, w)
			}
		}
		s.assign()
	}
	if !pipes[0].closed || !pipes[1].closed || s.seedsRun != 7 {
		t.Errorf("closed %v %v, %d seeds run; want both closed and 7", pipes[0].closed, pipes[1].closed, s.seedsRun)
	}
}

// TestAssignOrphans: the jobs a dead worker was handed but never started go to the
// next worker that asks, before any new seed; the one it was running fails.
func TestAssignOrphans(t *testing.T) {
	s, pipes := memSweeper(t, 6, 2)
	s.assign()       // worker 1: 1, 3; worker 2: 2, 4
	s.o.parallel = 1 // no worker is started in the dead one's place
	dead := s.workers[0]
	s.handle(workerEvent{w: dead, gone: true})
	if len(s.workers) != 1 {
		t.Fatalf("%d workers after one died, want 1", len(s.workers))
	}
	f, ok := s.failures[1]
	if !ok || len(s.failures) != 1 {
		t.Fatalf("failures %v: want seed 1, the one the dead worker ran", s.failures)
	}
	if f.Error == "" || f.Repro == "" {
		t.Errorf("seed 1 failed with error %q, repro %q; want both", f.Error, f.Repro)
	}
	answer(s, s.workers[0]) // seed 2
	s.assign()
	if diff := cmp.Diff([]uint64{2, 4, 3}, pipes[1].seeds(t)); diff != "" {
		t.Errorf("worker 2's jobs (-want +got):\n%s", diff)
	}
}

// TestStopDropsJobsAhead: a sweep that stops (its first failure, without
// --keep-going) kills a worker once it has answered its running job rather than let
// it run the job it was handed ahead, and ignores that job's answer.
func TestStopDropsJobsAhead(t *testing.T) {
	s, _ := memSweeper(t, 6, 1)
	s.o.keepGoing = false
	s.specOf = nil
	s.assign() // 1, 2
	w := s.workers[0]
	killed := false
	w.cancel = func() { killed = true }
	s.stopping = true // as fail does
	answer(s, w)      // seed 1
	if !killed || len(w.jobs) != 0 || !w.closed {
		t.Fatalf("killed %v, jobs %d, closed %v; want the worker killed with nothing out", killed, len(w.jobs), w.closed)
	}
	s.handle(workerEvent{w: w, res: &workerResult{Seed: 2, OK: true}}) // it answered before the kill landed: no job of its
	s.handle(workerEvent{w: w, gone: true})
	if s.seedsRun != 1 || len(s.errs) != 0 || len(s.failures) != 0 || len(s.workers) != 0 {
		t.Errorf("%d seeds run, errors %q, failures %v, %d workers; want 1 seed, no error or failure, no worker",
			s.seedsRun, s.errs, s.failures, len(s.workers))
	}
}

// TestOrphanedRecheckSkipsItsFirstWorker: a second run handed to a worker that died
// before starting it is still owed to a worker other than the one that made the
// first run, while another can take it.
func TestOrphanedRecheckSkipsItsFirstWorker(t *testing.T) {
	s, _ := memSweeper(t, 0, 3) // no seeds: only the jobs below
	s.o.parallel = 2            // no worker is started in the dead one's place
	dead, first, other := s.workers[0], s.workers[1], s.workers[2]
	dead.jobs = []*job{{seed: 1}, {seed: 2, first: &firstRun{hash: "h", worker: first.id}}}
	s.handle(workerEvent{w: dead, gone: true})
	if j := s.nextJob(first); j != nil {
		t.Fatalf("the first run's worker was handed seed %d (second run %v)", j.seed, j.first != nil)
	}
	if j := s.nextJob(other); j == nil || j.seed != 2 || j.first == nil {
		t.Fatalf("the other worker was handed %+v, want seed 2's second run", j)
	}
}

// TestResumeHint: an interrupted sweep says from which seed on to run it again, for
// the whole range and for a shard, counting seeds that finished out of order only
// once every seed before them has; and nothing when none or all of them ran.
func TestResumeHint(t *testing.T) {
	s := &sweeper{}
	for _, i := range []uint64{1, 2, 0, 5, 3} { // 4 is still running
		s.ran(i)
	}
	if s.doneBelow != 4 || len(s.doneAbove) != 1 || !s.doneAbove[5] {
		t.Fatalf("after seeds 0-3 and 5: done below %d, above %v; want 4 and {5}", s.doneBelow, s.doneAbove)
	}
	whole := &sweepOptions{from: 10, seeds: 100}
	if got, want := resumeHint(whole, shardSeeds(10, 100, shardSpec{}), s.doneBelow),
		"ensim: every seed before 14 ran; to run the rest, repeat the command with --from 14 --seeds 96\n"; got != want {
		t.Errorf("whole: %q, want %q", got, want)
	}
	// Shard 2/3 of seeds 10..109: 11, 14, 17, 20, 23, ...; four ran.
	shard := &sweepOptions{from: 10, seeds: 100, shard: shardSpec{2, 3}}
	sh := shardSeeds(10, 100, shard.shard)
	got := resumeHint(shard, sh, 4)
	if want := "ensim: every seed of shard 2/3 before 23 ran; to run the rest, repeat the command with --from 22 --seeds 88 and the same --shard 2/3 (whose first seed from 22 on is 23)\n"; got != want {
		t.Errorf("shard: %q, want %q", got, want)
	}
	if rest := shardSeeds(22, 88, shard.shard); rest.first != sh.at(4) || rest.count != sh.count-4 {
		t.Errorf("the hint's sweep runs %d seeds from %d; want the %d from %d that did not run", rest.count, rest.first, sh.count-4, sh.at(4))
	}
	if resumeHint(whole, shardSeeds(10, 100, shardSpec{}), 0) != "" || resumeHint(whole, shardSeeds(10, 100, shardSpec{}), 100) != "" {
		t.Error("a hint when no seed or every seed ran")
	}
}
