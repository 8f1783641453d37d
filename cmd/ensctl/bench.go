package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
)

// The bench's limits. A caller is a goroutine with its own share of the recorder, so
// many millions of them take minutes to start, and to stop, before any call is made;
// the open loop schedules its calls 1s/rate apart, and a rate beyond any node's reach
// would have them all due in the same nanoseconds.
const (
	maxConcurrency   = 100_000
	maxRate          = 100_000_000
	maxBenchDuration = 24 * time.Hour
	maxBenchTimeout  = 24 * time.Hour // the histograms grow with it (newRecorder)
)

// benchCmd is ensctl bench: it checks the flags, connects, runs closedLoop or
// openLoop, whose calls a recorder counts, and prints what they measured
// (benchResult.print); the error it returns says why the exit status is not 0.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c := flags("bench", stdout)
	// The help gives each limit that the checks below hold the flags to.
	conc := fs.Int("concurrency", 16, fmt.Sprintf("callers (closed loop), or the most calls in flight (open loop); 1 to %d", maxConcurrency))
	rate := fs.Float64("rate", 0, fmt.Sprintf("open loop: calls per second, up to %d, each timed from its scheduled start; a call the generator reaches after its deadline (with the calls due until then), or more than 1ms late once --duration and 50ms (or --timeout, if shorter) have passed (but for the first call, due at the start), is skipped: not made, counted apart (0: closed loop)", maxRate))
	dur := cluster.Duration(fs, "duration", 5*time.Second, fmt.Sprintf("how long to run, at most %v (closed loop: each caller makes at least one call, however short; open loop: --rate × --duration must be at least one call)", maxBenchDuration))
	event := fs.String("event", "get bench", `the event each call sends: an operation as call takes it, in one argument ("put k v")`)
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (pprof format) to this file")
	if err := parseArgs(fs, c, args, 1, 1, "[flags] ENSEMBLE"); err != nil {
		return err
	}
	ens := fs.Arg(0)
	switch {
	case *conc < 1 || *conc > maxConcurrency:
		return fmt.Errorf("%w: --concurrency %d: want 1..%d", cluster.ErrUsage, *conc, maxConcurrency)
	case *dur <= 0 || *dur > maxBenchDuration:
		return fmt.Errorf("%w: --duration %v: want a positive duration up to %v", cluster.ErrUsage, *dur, maxBenchDuration)
	case c.timeout > maxBenchTimeout:
		return fmt.Errorf("%w: --timeout %v: bench wants at most %v", cluster.ErrUsage, c.timeout, maxBenchTimeout)
	case math.IsNaN(*rate) || *rate < 0 || *rate > maxRate:
		return fmt.Errorf("%w: --rate %s: want 0 (closed loop) or a number of calls a second up to %d", cluster.ErrUsage, plain(*rate), maxRate)
	case *rate > 0 && *rate*dur.Seconds() < 1:
		// Also what keeps the time between calls, 1s/rate, within a Duration.
		return fmt.Errorf("%w: --rate %s for --duration %v is less than one call (rate × duration = %s): want at least one call in the run", cluster.ErrUsage, plain(*rate), *dur, figures3(*rate*dur.Seconds()))
	}
	if err := kv.Check([]byte(*event)); err != nil {
		return fmt.Errorf("%w: --event: %w", cluster.ErrUsage, err)
	}
	// As call's: an event no frame holds would fail every call as unreachable.
	if err := c.checkSize("bench --event", ens, []byte(*event)); err != nil {
		return err
	}
	if *cpuprofile != "" {
		// Before connecting: a path it cannot create is bad usage, whatever the
		// cluster does.
		stop, err := startProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cl, err := c.dial(ctx, stderr)
	if err != nil {
		if *cpuprofile != "" {
			// No run, no profile: the file made above goes.
			_ = os.Remove(*cpuprofile)
		}
		return err
	}
	defer cl.close()
	res := &benchResult{Mode: "closed", Ensemble: ens, Via: c.via, Concurrency: *conc, Rate: *rate}
	rec := newRecorder(c.timeout)
	target, ev := cl.ensemble(ens), []byte(*event)
	var lag *recorder
	var sched schedule
	if *rate != 0 {
		// Made before the start: the open loop's first calls are due from it, and
		// the histograms took 0.5-4.6ms to make, which the start lag counted.
		lag, sched = newRecorder(c.timeout), newSchedule(*rate, *dur)
	}
	io0, late0 := cl.tr.Stats(), cl.lateReplies()
	start := time.Now()
	end := start.Add(*dur)
	if *rate == 0 {
		closedLoop(ctx, cl, rec, *conc, end, target, ev)
	} else {
		res.Mode = "open"
		res.Scheduled = sched.calls
		res.Behind, res.Skipped = openLoop(ctx, cl, rec, lag, *conc, sched, start, target, ev)
		h, _, _ := lag.merge()
		res.StartLagNS = percentiles(h, false)
	}
	elapsed := time.Since(start)
	res.Interrupted = ctx.Err() != nil
	if !res.Interrupted {
		// The run lasted --duration at least: open loop's last call may be due, and
		// end, well before it.
		elapsed = max(elapsed, *dur)
	}
	io1 := cl.tr.Stats()
	res.LateReplies = cl.lateReplies() - late0
	res.IO.Sent, res.IO.Writes = io1.Sent-io0.Sent, io1.Writes-io0.Writes
	res.IO.Received, res.IO.Reads = io1.Received-io0.Received, io1.Reads-io0.Reads
	res.latency, res.errLatency, res.outcomes = rec.merge()
	res.CutShort = rec.cut.Load()
	res.finish(elapsed)
	if err := res.print(stdout, c.jsonOut); err != nil {
		return err
	}
	err = res.verdict()
	if err != nil && res.Calls > 0 && res.Errors[router.CodeNoLeader.String()] == res.Calls {
		// Every call: most likely a name that is no ensemble's.
		return fmt.Errorf("%w; %v", err, cl.noLeader(ens, router.ErrNoLeader))
	}
	if err != nil && res.Calls > 0 && res.Errors[router.CodeTimeout.String()] == res.Calls {
		// Under riak semantics a name that is no ensemble's times out.
		return fmt.Errorf("%w%s", err, cl.unlisted(ens))
	}
	return err
}

// startProfile starts a CPU profile into path and returns what stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%w: --cpuprofile: %w", cluster.ErrUsage, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// lateReplies returns how many replies to its own calls the client has dropped as
// late.
func (cl *client) lateReplies() uint64 {
	st := cl.drv.Stats().Router
	return st.Late - st.Stale
}
