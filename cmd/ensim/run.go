package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/limitfile"
	"github.com/ensroute/ensroute/cmd/internal/longflags"
	"github.com/ensroute/ensroute/internal/strictjson"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// Exit statuses, as README.md documents them.
const (
	exitOK    = 0 // every invariant held
	exitFail  = 1 // an invariant failed, or the determinism check found a mismatch
	exitUsage = 2 // bad usage, an unknown scenario, an unreadable file or a bad spec
	// exitTimeLimit is sweep's, and sweep merge's, when seeds ran longer than
	// --seed-timeout and no seed failed otherwise.
	exitTimeLimit = 3
)

const usageText = `usage: ensim <command> [flags]

commands:
  list                 list the named scenarios (and what riak is known to break in one, if anything)
  show NAME [--seed N] print a named scenario as an editable JSON spec
  run (--scenario NAME | --spec FILE) [--seed N] [--semantics default|riak]
      [--routers N] [--json] [--trace FILE] [--repro FILE] [--check-determinism]
      [--cpuprofile FILE]
                       run one simulation and check every invariant
  compare (--scenario NAME | --spec FILE) [--seeds N] [--from S] [--routers N]
      [--json]         run seeds S..S+N-1 under riak and default, side by side
  replay REPRO.json [--json] [--trace FILE]
                       rerun the run recorded in a repro file
  trace (--scenario NAME | --spec FILE | REPRO.json) [--seed N]
      [--semantics MODE] [--format text|jsonl|html] [--out FILE]
      [--call ID | --cast NAME] [--from T] [--to T]
                       run once and show the trace: aligned text and a table
                       of calls, JSON lines, or a space-time diagram (html)
  sweep (--scenario NAME | --spec FILE) --seeds N [--from S] [--semantics MODE]
      [--routers N] [--parallel P] [--shard I/N] [--out DIR] [--keep-going]
      [--json] [--recheck K] [--seed-timeout DURATION]
                       run seeds S..S+N-1 in P worker processes; a repro per failure
  sweep merge SUMMARY.json... [--human] [--partial]
                       merge the --json summaries of the shards of one sweep
  help [COMMAND]       print this text, or one command's flags

exit status: 0 every invariant held (violations riak is known to cause, under
riak, are reported as expected); 1 an invariant failed or a simulation panicked
(run writes a repro file and prints the replay command, compare prints the run
command of each failing seed); 2 bad usage or a bad spec, or output that could not be written (a
failure still exits 1); 3 (sweep, sweep merge) seeds ran longer than --seed-timeout
and no seed failed otherwise.
`

// command is one subcommand: its synopsis, its flags and what it does with them.
type command struct {
	synopsis string
	// flags defines the command's flags on fs and returns the function that runs the
	// command once they are parsed, given the positional arguments.
	flags func(fs *flag.FlagSet) commandFunc
}

// commandFunc runs one command with its positional arguments and returns the exit
// status.
type commandFunc func(ctx context.Context, pos []string, stdout, stderr io.Writer) int

// The commands' synopses.
const (
	synList    = "ensim list"
	synShow    = "ensim show NAME [--seed N]"
	synRun     = "ensim run (--scenario NAME | --spec FILE) [--seed N] [--semantics default|riak] [--routers N] [--json] [--trace FILE] [--repro FILE] [--check-determinism] [--cpuprofile FILE]"
	synCompare = "ensim compare (--scenario NAME | --spec FILE) [--seeds N] [--from S] [--routers N] [--json]"
	synReplay  = "ensim replay REPRO.json [--json] [--trace FILE]"
	synSweep   = "ensim sweep (--scenario NAME | --spec FILE) --seeds N [--from S] [--semantics default|riak] [--routers N] [--parallel P] [--shard I/N] [--out DIR] [--keep-going] [--json] [--recheck K] [--seed-timeout DURATION]"
	synMerge   = "ensim sweep merge SUMMARY.json... [--human] [--partial]"
)

var commands = map[string]command{
	"list":    {synopsis: synList, flags: listFlags},
	"show":    {synopsis: synShow, flags: showFlags},
	"run":     {synopsis: synRun, flags: runFlags},
	"compare": {synopsis: synCompare, flags: compareFlags},
	"replay":  {synopsis: synReplay, flags: replayFlags},
	"trace":   {synopsis: synTrace, flags: traceFlags},
	"sweep":   {synopsis: synSweep, flags: sweepFlags},
	// "ensim sweep merge" is a command of its own; run joins the two words.
	"sweep merge": {synopsis: synMerge, flags: mergeFlags},
}

// isHelpFlag reports whether arg is one of the flags that ask for help.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// run is ensim with its arguments (without the program name). It returns the exit
// status; it never panics on bad input.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "run" || args[0] == "sweep" || args[0] == "compare" || args[0] == "replay") {
		// A write to a closed pipe (ensim run --json | a reader that exited) fails
		// with EPIPE instead of ending the process by SIGPIPE: a failing run still
		// writes its repro and exits 1, a sweep its repros and summary, compare and
		// replay their failures on stderr with 1, and lost output is reported (exit
		// 2), as on a full disk. The other commands write nothing but their output,
		// and end quietly by SIGPIPE (ensim trace | head).
		signal.Ignore(syscall.SIGPIPE)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		out := &errWriter{w: stdout}
		// A help flag after help asks for the same help (help -h, help run -h), as
		// after any other command: it names no command.
		args = append(args[:1:1], slices.DeleteFunc(slices.Clone(args[1:]), isHelpFlag)...)
		if len(args) == 1 || len(args) == 2 && args[1] == "help" { // help help: this
			fmt.Fprint(out, usageText)
			return helped(stderr, out.err)
		}
		topic := strings.Join(args[1:], " ")
		c, ok := commands[topic]
		if _, first := commands[args[1]]; !ok && first && len(args) > 2 && !hasSubcommands(args[1]) {
			// "help run extra"; "help sweep merge" is one command of two words, and
			// "help sweep bogus" names an unknown one.
			fmt.Fprintf(stderr, "ensim: help takes one command, got %q\n\n%s", args[1:], usageText)
			return exitUsage
		}
		if !ok {
			fmt.Fprintf(stderr, "ensim: help: unknown command %q\n\n%s", topic, usageText)
			return exitUsage
		}
		fs := flag.NewFlagSet("ensim "+topic, flag.ContinueOnError)
		c.flags(fs)
		printUsage(out, fs, c.synopsis)
		return helped(stderr, out.err)
	case workerCommand:
		// Hidden: the process ensim sweep starts for its runs (sweepworker.go).
		return workerMain(args[1:], os.Stdin, stdout, stderr)
	case "sweep":
		if len(args) > 1 && args[1] == "merge" {
			name, args = "sweep merge", args[1:]
		}
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "ensim: unknown command %q\n\n%s", name, usageText)
		return exitUsage
	}
	fs := flag.NewFlagSet("ensim "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a parse error is printed below, as ensim prints its others
	fs.Usage = func() {}     // we print usage ourselves, to stdout for -h
	do := c.flags(fs)
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		// As ensim help COMMAND: help that cannot be written exits 2.
		out := &errWriter{w: stdout}
		printUsage(out, fs, c.synopsis)
		return helped(stderr, out.err)
	}
	if err != nil {
		return usageErr(stderr, c.synopsis, "%v", longflags.Err(fs, err))
	}
	return do(ctx, pos, stdout, stderr)
}

// hasSubcommands reports whether commands of two words begin with the command name
// (sweep: sweep merge).
func hasSubcommands(name string) bool {
	for c := range commands {
		if strings.HasPrefix(c, name+" ") {
			return true
		}
	}
	return false
}

// parseInterspersed parses args with fs, allowing flags after positional arguments
// ("replay FILE --json"), and returns the positional arguments in order. After "--"
// everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// printUsage prints a command's synopsis and flags to w.
func printUsage(w io.Writer, fs *flag.FlagSet, synopsis string) {
	fmt.Fprintf(w, "usage: %s\n", synopsis)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nflags:")
	longflags.PrintDefaults(w, fs)
}

// usageErr reports a usage error of one command (synopsis names it), with its
// synopsis and where its flags are listed, and returns exitUsage.
func usageErr(stderr io.Writer, synopsis, format string, args ...any) int {
	fmt.Fprintf(stderr, "ensim: "+format+"\nusage: %s\n", append(args, synopsis)...)
	if name, ok := synopsisOf[synopsis]; ok {
		fmt.Fprintf(stderr, "(ensim help %s lists the flags)\n", name)
	}
	return exitUsage
}

// synopsisOf names the command of each synopsis (but list's, which takes no flags).
var synopsisOf = map[string]string{synShow: "show", synRun: "run", synCompare: "compare",
	synReplay: "replay", synTrace: "trace", synSweep: "sweep", synMerge: "sweep merge"}

// helped is the exit status of help, whose output could not be written if err is
// not nil, as for any other command's.
func helped(stderr io.Writer, err error) int {
	if !printed(stderr, err) {
		return exitUsage
	}
	return exitOK
}

// errWriter writes to w and keeps the first write error, for output written in
// pieces by functions that do not return one.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// printed reports err, an error writing a command's output to stdout, on stderr and
// says whether there was none. A command whose output was lost exits 2, unless what
// it found says more (a failure still exits 1): the exit status must not say that
// all is well when a summary that a later step reads never reached its file.
func printed(stderr io.Writer, err error) bool {
	if err != nil {
		fmt.Fprintf(stderr, "ensim: writing the output: %v\n", err)
	}
	return err == nil
}

// runOptions are the flags of ensim run.
type runOptions struct {
	scenario, spec string
	seed           uint64
	sem            router.Semantics
	json           bool
	trace, repro   string
	determinism    bool
	routers        int // 0: the spec's own
	cpuprofile     string
}

func runFlags(fs *flag.FlagSet) commandFunc {
	o := &runOptions{}
	fs.StringVar(&o.scenario, "scenario", "", "run the named scenario `NAME` (see ensim list)")
	fs.StringVar(&o.spec, "spec", "", "run the spec in JSON `FILE` (see ensim show)")
	uintVar(fs, &o.seed, "seed", 1, "seed `N` of every random stream in the run")
	fs.Var(semanticsFlag{&o.sem}, "semantics", "router semantics `MODE`: default (ensroute's, when not given) or riak (the original's)")
	fs.Var(routersFlag{&o.routers}, "routers", "run `N` router instances per node instead of the spec's (1..1024)")
	fs.BoolVar(&o.json, "json", false, "print the report as one JSON object")
	fs.StringVar(&o.trace, "trace", "", "write the trace to `FILE` as JSON lines")
	fs.StringVar(&o.repro, "repro", "", "write a repro file to `FILE` (written anyway on a failure, by default to ./ensim-repro-SCENARIO-SEMANTICS-SEED.json, with -routers-N for --routers N)")
	fs.BoolVar(&o.determinism, "check-determinism", false, "run twice and compare the trace hashes")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to `FILE` (read it with go tool pprof)")
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int { return o.do(pos, stdout, stderr) }
}

func (o *runOptions) do(pos []string, stdout, stderr io.Writer) int {
	syn := synRun
	switch {
	case len(pos) > 0:
		return usageErr(stderr, syn, "run takes no positional arguments, got %q", pos)
	case (o.scenario == "") == (o.spec == ""):
		return usageErr(stderr, syn, "run needs exactly one of --scenario and --spec")
	}
	if err := clobbers(o.spec, map[string]string{"--trace": o.trace, "--repro": o.repro, "--cpuprofile": o.cpuprofile}); err != nil {
		return usageErr(stderr, syn, "%v", err)
	}
	var spec scenarios.Spec
	if o.scenario != "" {
		s, ok := named(o.scenario, o.seed, stderr)
		if !ok {
			return exitUsage
		}
		spec = s
	} else {
		s, err := loadSpec(o.spec, "use ensim replay %s", stderr)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		spec = s
	}
	spec = withRouters(spec, o.routers)
	if o.repro == "" {
		// A failure writes its repro to the default path: an output of the same
		// name would be replaced by it, as would a spec file of that name.
		def := defaultReproPath(spec.Name, o.sem, o.seed, o.routers)
		if err := clobbers(o.spec, map[string]string{"--trace": o.trace, "--cpuprofile": o.cpuprofile, "the repro a failure writes (--repro chooses another)": def}); err != nil {
			return usageErr(stderr, syn, "%v", err)
		}
	}
	progress := newRunProgress(stderr)
	opt := scenarios.Options{Seed: o.seed, Semantics: o.sem, Progress: progress.hook()}
	traceFile, err := createTrace(o.trace)
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	defer traceFile.discard() // written as the run goes and put in place after it; this is for an early return
	tw := newTraceWriter(traceFile)
	// A repro file asked for is written whatever the run finds: a path it cannot be
	// written to is refused before the run, as --trace's is.
	var reproFile *outFile
	if o.repro != "" {
		if reproFile, err = createOut(o.repro); err != nil {
			fmt.Fprintf(stderr, "ensim: --repro: %v\n", err)
			return exitUsage
		}
		defer reproFile.discard()
	}
	// The profile of a run that did not end (a bad spec) is dropped.
	ran := false
	if o.cpuprofile != "" {
		stop, err := startCPUProfile(o.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		defer func() {
			if err := stop(ran); err != nil {
				fmt.Fprintf(stderr, "ensim: %v\n", err)
			}
		}()
	}
	// The trace is written as the run goes, never held whole (a run of scale traces
	// gigabytes); --check-determinism keeps a fingerprint of each record.
	var res *scenarios.Result
	var mismatch *divergence
	if o.determinism {
		res, mismatch, err = twice(spec, opt, tw.sink())
	} else {
		opt.TraceSink = tw.sink()
		res, err = simulateGuarded(spec, opt)
	}
	progress.clear()
	var crash *simPanic
	if errors.As(err, &crash) {
		ran = true
		return o.crashed(crash, spec, reproFile, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	ran = true
	code := exitOK
	if mismatch != nil {
		code = exitFail
	}
	// A trace that could not be written is reported, and the run with it: what the
	// run found counts for more.
	traceErr := tw.finish()
	if traceErr != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", traceErr)
	}
	if !o.json {
		io.WriteString(stdout, swarmHeader(spec, o.seed))
	}
	// So is a report that could not be printed (stdout on a full disk).
	reported := printed(stderr, printReport(stdout, res.Report, o.json))
	if o.determinism {
		// Keep stdout a single JSON object under --json.
		w := stdout
		if o.json || mismatch != nil {
			w = stderr
		}
		printDeterminism(w, res, mismatch)
	}
	failed := len(res.Report.Violations) > 0
	if failed {
		code = exitFail
	}
	// What a run that held every invariant exits with: 0, or 2 if its trace, asked
	// for, or its report could not be written.
	passed := exitOK
	if traceErr != nil || !reported {
		passed = exitUsage
	}
	if o.repro == "" && code == exitOK {
		return passed
	}
	path := o.repro
	var werr error
	if reproFile != nil {
		if werr = reproFile.fill(scenarios.NewRepro(spec, o.seed, o.sem, res.Report).Encode); werr != nil {
			werr = fmt.Errorf("--repro: %w", werr)
		}
	} else {
		path = defaultReproPath(spec.Name, o.sem, o.seed, o.routers)
		werr = writeRepro(path, scenarios.NewRepro(spec, o.seed, o.sem, res.Report))
	}
	if code == exitOK {
		if werr != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", werr)
			return exitUsage
		}
		if !o.json {
			fmt.Fprintf(stdout, "repro written to %s\n", path)
		}
		return passed
	}
	// A failure is reported whether or not its repro could be written.
	if failed {
		printViolations(stderr, &res.Report)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "ensim: the repro could not be written: %v\nrun it again, with a repro file that can be written:\n  %s --repro FILE\n", werr, o.command())
		return code
	}
	printReplay(stderr, path, res.Report.Violations)
	return code
}

// crashed reports a run whose simulation panicked: the panic and its stack, and a
// repro of the run (to --repro's file, else to the default path). It returns exitFail.
func (o *runOptions) crashed(p *simPanic, spec scenarios.Spec, reproFile *outFile, stderr io.Writer) int {
	printPanic(stderr, p)
	rp := scenarios.NewRepro(spec, o.seed, o.sem, scenarios.Report{})
	path := o.repro
	var werr error
	if reproFile != nil {
		if werr = reproFile.fill(rp.Encode); werr != nil {
			werr = fmt.Errorf("--repro: %w", werr)
		}
	} else {
		path = defaultReproPath(spec.Name, o.sem, o.seed, o.routers)
		werr = writeRepro(path, rp)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "ensim: the repro could not be written: %v\nrun it again, with a repro file that can be written:\n  %s --repro FILE\n", werr, o.command())
		return exitFail
	}
	printReplay(stderr, path, nil)
	return exitFail
}

// command is the ensim run command that runs the same world again.
func (o *runOptions) command() string {
	src := "--scenario " + shellQuote(o.scenario)
	if o.scenario == "" {
		src = "--spec " + shellQuote(o.spec)
	}
	cmd := fmt.Sprintf("ensim run %s --seed %d --semantics %s", src, o.seed, o.sem)
	if o.routers > 0 {
		cmd += fmt.Sprintf(" --routers %d", o.routers)
	}
	return cmd
}

// maxInput is the most ensim reads of a spec, repro or summary file: far more than
// any holds.
const maxInput = 256 << 20

// loadSpec reads and validates a spec file. A repro file is refused with use, the
// hint of the command at hand, with the file's path quoted in place of its %s
// ("use ensim replay %s").
func loadSpec(path, use string, stderr io.Writer) (scenarios.Spec, error) {
	if path == "-" {
		// The commands ensim prints to run a world again name the spec's file, so the
		// spec must be one.
		return scenarios.Spec{}, errors.New(`--spec -: ensim reads a spec from a file, not standard input (the commands it prints to run the world again name the file); write it to one first, as in: ensim show steady > spec.json`)
	}
	data, err := limitfile.Read(path, maxInput)
	if err != nil {
		return scenarios.Spec{}, err
	}
	data = strictjson.TrimBOM(data)
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) == nil {
		if _, ok := keys[reproKey]; ok {
			return scenarios.Spec{}, fmt.Errorf("%s: this is a repro file, not a spec; %s", path, fmt.Sprintf(use, shellQuote(path)))
		}
	}
	s, err := scenarios.Parse(bytes.NewReader(data))
	if err != nil {
		return scenarios.Spec{}, fmt.Errorf("%s: %w", path, err)
	}
	// A fault that will do nothing is no error (overlapping episodes make some), but
	// one written by hand is most often a mistake: say so before the run.
	for _, idle := range s.IdleFaults() {
		fmt.Fprintf(stderr, "ensim: note: %s: %s\n", path, idle)
	}
	// So is a fault that begins once every call is over: it tests no call.
	for _, late := range s.LateFaults() {
		fmt.Fprintf(stderr, "ensim: note: %s: %s\n", path, late)
	}
	if note := s.LivenessNote(); note != "" {
		fmt.Fprintf(stderr, "ensim: note: %s: %s\n", path, note)
	}
	return s, nil
}

// simulateHook, when set (only by this package's tests), runs at the start of every
// simulation; the tests make it panic, as a bug in the router or the world would.
var simulateHook func(spec scenarios.Spec, opt scenarios.Options)

// simulate runs spec once and fills in what only a wall clock can tell: the wall
// time, the events per second and simulated time over wall time. It fails only for a bad spec.
func simulate(spec scenarios.Spec, opt scenarios.Options) (*scenarios.Result, error) {
	if simulateHook != nil {
		simulateHook(spec, opt)
	}
	start := time.Now()
	res, err := scenarios.Run(spec, opt)
	wall := time.Since(start)
	if err != nil {
		return nil, err
	}
	r := &res.Report
	r.WallTimeNS = int64(wall)
	if wall > 0 {
		r.EventsPerSec = float64(r.Events) / wall.Seconds()
		r.SimPerWall = float64(r.SimTimeNS) / float64(wall)
	}
	return res, nil
}

// semanticsFlag is the --semantics flag. Its zero value reads as "default", so usage
// does not print "(default default)".
type semanticsFlag struct{ s *router.Semantics }

func (f semanticsFlag) String() string {
	if f.s == nil {
		return router.Default.String()
	}
	return f.s.String()
}

func (f semanticsFlag) Set(v string) error {
	s, err := router.ParseSemantics(v)
	if err != nil || v == "" {
		return errors.New("want default or riak")
	}
	*f.s = s
	return nil
}

// withRouters returns s with n router instances per node: --routers, where 0 (unset)
// keeps the spec's own.
func withRouters(s scenarios.Spec, n int) scenarios.Spec {
	if n > 0 {
		s.Routers = n
	}
	return s
}

// routersFlag is --routers: 0 while unset, 1..router.MaxRouters once set.
type routersFlag struct{ n *int }

func (f routersFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return ""
	}
	return strconv.Itoa(*f.n)
}

func (f routersFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > router.MaxRouters {
		return fmt.Errorf("want router instances per node, 1..%d", router.MaxRouters)
	}
	*f.n = n
	return nil
}

// uintFlag is a flag of a whole number of min or more, such as a seed (0 or more)
// or a count of seeds (1 or more): flag's own Uint64Var says only "parse error" of
// "-1".
type uintFlag struct {
	n   *uint64
	min uint64
}

// uintVar defines a uintFlag of 0 or more named name, with value as its default.
func uintVar(fs *flag.FlagSet, p *uint64, name string, value uint64, usage string) {
	*p = value
	fs.Var(uintFlag{n: p}, name, usage)
}

// countVar defines a uintFlag of 1 or more named name, with value as its default (0
// for a flag that must be given).
func countVar(fs *flag.FlagSet, p *uint64, name string, value uint64, usage string) {
	*p = value
	fs.Var(uintFlag{n: p, min: 1}, name, usage)
}

func (f uintFlag) String() string {
	if f.n == nil {
		return "0"
	}
	return strconv.FormatUint(*f.n, 10)
}

func (f uintFlag) Set(v string) error {
	if octalLooking(v) {
		// flag's own reads 010 as 8: a seed copied with its padding would run
		// another seed without a word.
		return errors.New("a leading 0 would read as octal: write the number without it (decimal), or after 0o (octal)")
	}
	n, err := strconv.ParseUint(v, 0, 64) // as flag's own: 0x10, 0o10, 1_000
	switch {
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("past the largest, %d", uint64(math.MaxUint64))
	case err != nil && strings.HasPrefix(v, "+") && !octalLooking(v[1:]) && validUint(v[1:]):
		return fmt.Errorf("want a whole number without a sign: write %s", v[1:])
	case err != nil || n < f.min:
		return fmt.Errorf("want a whole number, %d or more", f.min)
	}
	*f.n = n
	return nil
}

// validUint reports whether v reads as a uintFlag's number.
func validUint(v string) bool {
	_, err := strconv.ParseUint(v, 0, 64)
	return err == nil
}

// octalLooking reports whether v is a number with a leading 0 and no base prefix,
// such as 010, which strconv reads as octal.
func octalLooking(v string) bool {
	return len(v) > 1 && v[0] == '0' && v[1] >= '0' && v[1] <= '9' || len(v) > 2 && v[0] == '0' && v[1] == '_'
}

// simPanic is a panic inside a simulation, with the stack it was raised on.
type simPanic struct {
	value any
	stack []byte
}

func (p *simPanic) Error() string { return fmt.Sprintf("the simulation panicked: %v", p.value) }

// simulateGuarded is simulate, with a panic inside the simulation returned as a
// *simPanic: a crash is a failure of the run (exit 1, with a repro), not bad usage.
func simulateGuarded(spec scenarios.Spec, opt scenarios.Options) (res *scenarios.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, &simPanic{value: v, stack: debug.Stack()}
		}
	}()
	return simulate(spec, opt)
}

// printPanic prints a panic inside a simulation, and its stack, to w.
func printPanic(w io.Writer, p *simPanic) {
	fmt.Fprintf(w, "ensim: %v\n\n%s\n", p, bytes.TrimRight(p.stack, "\n"))
}
