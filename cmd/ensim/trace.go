package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

const synTrace = "ensim trace (--scenario NAME | --spec FILE | REPRO.json) [--seed N] [--semantics default|riak] [--format text|jsonl|html] [--out FILE] [--call ID | --cast NAME] [--from T] [--to T]"

// traceOptions are the flags of ensim trace.
type traceOptions struct {
	scenario, spec string
	seed           uint64
	sem            router.Semantics
	format         traceview.Format
	out            string
	filter         traceview.Filter
	set            map[string]bool // the flags given
	repro          *repro          // the repro file read, if any
}

func traceFlags(fs *flag.FlagSet) commandFunc {
	o := &traceOptions{format: traceview.Text}
	fs.StringVar(&o.scenario, "scenario", "", "run the named scenario `NAME` (see ensim list)")
	fs.StringVar(&o.spec, "spec", "", "run the spec in JSON `FILE` (see ensim show)")
	uintVar(fs, &o.seed, "seed", 1, "seed `N` of every random stream in the run (a repro file fixes its own)")
	fs.Var(semanticsFlag{&o.sem}, "semantics", "router semantics `MODE`: default (ensroute's, when not given) or riak (the original's); a repro file fixes its own")
	fs.Var(formatFlag{&o.format}, "format", "the view `FORMAT`: text (aligned lines and a table of calls), jsonl (the canonical records) or html (a space-time diagram)")
	fs.StringVar(&o.out, "out", "", "write the view to `FILE` instead of stdout")
	fs.StringVar(&o.filter.Call, "call", "", "only call `ID` (e.g. n3.1.214): its records and its messages', and of a workload that retries, those of every attempt of its request")
	fs.Var(castFlag{&o.filter.Cast}, "cast", "only workload cast `NAME` (s1, s2, ... in the order the run makes them): its cast and cast-taken records and its messages'")
	fs.Var(timeFlag{&o.filter.From}, "from", "only records at virtual time `T` or later (a Go duration, e.g. 500ms)")
	fs.Var(timeFlag{&o.filter.To}, "to", "only records at virtual time `T` or earlier (a Go duration)")
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int {
		o.set = map[string]bool{}
		fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
		return o.do(pos, stdout, stderr)
	}
}

func (o *traceOptions) do(pos []string, stdout, stderr io.Writer) int {
	syn := synTrace
	sources := len(pos)
	if o.scenario != "" {
		sources++
	}
	if o.spec != "" {
		sources++
	}
	in := o.spec // the file read, if any, which --out must not be
	if len(pos) == 1 {
		in = pos[0]
	}
	if err := clobbers(in, map[string]string{"--out": o.out}); err != nil {
		return usageErr(stderr, syn, "%v", err)
	}
	switch {
	case len(pos) > 1:
		return usageErr(stderr, syn, "trace takes at most one repro file, got %q", pos)
	case len(pos) == 1 && sources > 1:
		// A word left after the flags is read as a repro file: as often as not the
		// view's file, written without --out.
		return usageErr(stderr, syn, "trace needs exactly one of --scenario, --spec and a repro file, got %s and %s, read as a repro file (to write the view to it, give --out %s)",
			givenSources(o.scenario, o.spec), pos[0], shellQuote(pos[0]))
	case sources != 1:
		return usageErr(stderr, syn, "trace needs exactly one of --scenario, --spec and a repro file")

	case len(pos) == 1 && o.set["seed"]:
		return usageErr(stderr, syn, "--seed: a repro file fixes the seed")
	case len(pos) == 1 && o.set["semantics"]:
		return usageErr(stderr, syn, "--semantics: a repro file fixes the semantics")
	case o.set["call"] && o.filter.Call == "":
		// An unset variable ($ID) would otherwise give the whole run.
		return usageErr(stderr, syn, "--call is empty: want a call's id, e.g. n3.1.214")
	case o.set["cast"] && o.filter.Cast == "":
		return usageErr(stderr, syn, "--cast is empty: want a cast's name, e.g. s3")
	case o.set["call"] && o.set["cast"]:
		return usageErr(stderr, syn, "--cast: give --call or --cast, not both")
	case o.set["to"] && o.filter.To < o.filter.From:
		return usageErr(stderr, syn, "--to: %v is before --from %v", o.filter.To, o.filter.From)
	case o.set["to"] && o.filter.To == 0:
		// traceview.Filter reads a To of 0 as no end.
		return usageErr(stderr, syn, "--to: want a time after 0s (without --to the view runs to the end)")
	}
	spec, seed, sem, source, ok := o.source(pos, stderr)
	if !ok {
		return exitUsage
	}
	// A path --out cannot be written to is refused before the run (which may take a
	// minute), as run's --trace is; the view is put in place once written.
	var out *outFile
	if o.out != "" {
		var err error
		if out, err = createOut(o.out); err != nil {
			fmt.Fprintf(stderr, "ensim: --out: %v\n", err)
			return exitUsage
		}
		defer out.discard()
	}
	// A view of one call or one cast keeps only what it needs as the run goes
	// (traceview.Part); any other view, the whole trace.
	progress := newRunProgress(stderr)
	opt := scenarios.Options{Seed: seed, Semantics: sem, KeepTrace: true, AllViolations: true, Progress: progress.hook()}
	var part *traceview.Part
	switch {
	case o.filter.Call != "":
		part = traceview.NewPart(o.filter.Call, ensembleNames(spec))
	case o.filter.Cast != "":
		part = traceview.NewCastPart(o.filter.Cast, ensembleNames(spec))
	}
	if part != nil {
		opt.KeepTrace, opt.TraceSink = false, part.Add
	}
	res, part, err := simulateView(spec, opt, part, progress)
	var crash *simPanic
	if errors.As(err, &crash) {
		// A crash is the run's failure, not bad usage; there is no trace to draw.
		printPanic(stderr, crash)
		fmt.Fprintf(stderr, "ensim: no trace to draw: the simulation of %s panics\n", source)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	if o.repro != nil {
		compareRepro(pos[0], *o.repro, &res.Report, stderr)
	}
	title := fmt.Sprintf("%s, seed %d, %s semantics", source, seed, sem)
	var viol []traceview.Violation
	for _, v := range res.Report.Violations {
		viol = append(viol, traceview.Violation{Invariant: v.Invariant, Call: v.Call, Detail: v.Detail})
	}
	for _, v := range res.Report.Expected { // riak_breaks, under riak
		viol = append(viol, traceview.Violation{Invariant: v.Invariant + " (expected under riak)", Call: v.Call, Detail: v.Detail})
	}
	meta := traceview.Meta{Title: title, Nodes: append(append([]string(nil), spec.Nodes...), spec.Clients...),
		Violations: viol, MaxHTMLData: maxPageData, Ensembles: ensembleNames(spec)}
	recs := res.Trace
	if part != nil {
		recs = part.Records()
		whole := part.Whole()
		meta.Whole = &whole
	}
	tr := traceview.New(recs, meta)
	sel, err := tr.Select(o.filter)
	switch {
	case errors.Is(err, traceview.ErrUnknownCall) && (traceview.Filter{Cast: o.filter.Call}).Validate() == nil:
		// A call id has dots; this names a cast, "s" and its number, if the run
		// made that many.
		made := uint64(0)
		if c := res.Report.Casts; c != nil {
			made = c.Total
		}
		if n, _ := strconv.ParseUint(o.filter.Call[1:], 10, 64); n > made {
			return usageErr(stderr, syn, "--call: %v; nor is %s a cast: the run makes %d cast%s", err, o.filter.Call, made, plural(int(min(made, 2))))
		}
		return usageErr(stderr, syn, "--call: %v; %s names a cast: select it with --cast %s", err, o.filter.Call, o.filter.Call)
	case errors.Is(err, traceview.ErrUnknownCall):
		return usageErr(stderr, syn, "--call: %v", err)
	case errors.Is(err, traceview.ErrUnknownCast):
		return usageErr(stderr, syn, "--cast: %v", err)
	case err != nil:
		return usageErr(stderr, syn, "%v", err)
	}
	if len(sel) == 0 {
		warnEmpty(stderr, o.filter, tr.End())
	}
	if o.out == "" {
		if err := tr.Write(stdout, o.format, o.filter); errors.Is(err, traceview.ErrPageTooLarge) {
			return tooLarge(stderr, err)
		} else if err != nil {
			printed(stderr, err)
			return exitUsage
		}
		return exitOK
	}
	// A page refused as too large is refused before a byte is written, and fill
	// leaves no file.
	if err := out.fill(func(w io.Writer) error { return tr.Write(w, o.format, o.filter) }); errors.Is(err, traceview.ErrPageTooLarge) {
		return tooLarge(stderr, err)
	} else if err != nil {
		fmt.Fprintf(stderr, "ensim: --out: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "ensim: %s view written to %s\n", o.format, o.out)
	return exitOK
}

// simulateView makes the run a view needs, opt's Progress being progress's hook,
// and returns the part it kept, if it keeps one. The call of a Part may be a later
// attempt of a request (workload.retry), and --call keeps every attempt: the earlier
// ones went by before the call's record named its request (a call's id says nothing
// of its request's), so the run stops there (scenarios.Options.Stop) and is made
// again keeping the request's from its first attempt on. The second run's progress
// goes on the same line, which numbers it ("simulating, run 2: ..."), as run's
// --check-determinism does: a line of its own started again from 0s, saying nothing
// of another run.
func simulateView(spec scenarios.Spec, opt scenarios.Options, part *traceview.Part, progress *runProgress) (*scenarios.Result, *traceview.Part, error) {
	if part != nil && part.Call() != "" {
		opt.Stop = func() bool { return part.Request() != "" }
	}
	res, err := simulateGuarded(spec, opt)
	progress.clear()
	if err == nil && res.Stopped {
		part = traceview.NewPart(part.Request(), ensembleNames(spec))
		opt.TraceSink, opt.Stop = part.Add, nil
		progress.again() // its updates may not go below the first run's, which stopped early
		res, err = simulateGuarded(spec, opt)
		progress.clear()
	}
	return res, part, err
}

// givenSources names the flags among --scenario and --spec that were given a value.
func givenSources(scenario, spec string) string {
	switch {
	case scenario != "" && spec != "":
		return "--scenario and --spec"
	case spec != "":
		return "--spec"
	}
	return "--scenario"
}

// compareRepro says on stderr, as ensim replay does, when the run traced from a repro
// file is not the run it recorded: its trace hash differs, or it records violations
// that the run no longer makes. When the hash matches, the run is the one recorded,
// and compareRepro says something only if the repro records violations the checker
// no longer finds in it (the checker changed since); nothing either when the repro
// records neither a hash nor a violation.
func compareRepro(path string, rp repro, now *scenarios.Report, stderr io.Writer) {
	if rp.TraceHash != "" && rp.TraceHash == now.TraceHash {
		if rp.ViolationsTotal > 0 && len(now.Violations) == 0 {
			fmt.Fprintf(stderr, "ensim: this is the run the repro recorded (its trace hash matches), but its invariants are checked otherwise now; ensim replay %s says:\n", shellQuote(path))
			holdsNote(stderr, rp, true)
		}
		return
	}
	if rp.TraceHash == "" && rp.ViolationsTotal == 0 {
		return
	}
	var notes bytes.Buffer
	hashNote(&notes, rp, now.TraceHash)
	if len(now.Violations) == 0 {
		holdsNote(&notes, rp, false)
	}
	fmt.Fprintf(stderr, "ensim: this may not be the run the repro recorded; ensim replay %s says:\n", shellQuote(path))
	stderr.Write(notes.Bytes())
}

// warnEmpty says on stderr why a view keeps no record: its window starts after the
// run's last record, or has none of the call or cast, or none at all.
func warnEmpty(stderr io.Writer, f traceview.Filter, end time.Duration) {
	switch {
	case f.From > end:
		fmt.Fprintf(stderr, "ensim: warning: --from %v is past the run's last record, at %v: the view is empty\n", f.From, end)
	case f.Call != "":
		fmt.Fprintf(stderr, "ensim: warning: call %s has no record %s: the view shows none of it\n", f.Call, window(f))
	case f.Cast != "":
		fmt.Fprintf(stderr, "ensim: warning: cast %s has no record %s: the view shows none of it\n", f.Cast, window(f))
	default:
		fmt.Fprintf(stderr, "ensim: warning: no record %s: the view is empty\n", window(f))
	}
}

// window names the window of virtual time f keeps by the flags that gave it, for a
// warning: "between --from 1s and --to 2s", "at or before --to 2s".
func window(f traceview.Filter) string {
	switch {
	case f.From > 0 && f.To > 0:
		return fmt.Sprintf("between --from %v and --to %v", f.From, f.To)
	case f.To > 0:
		return fmt.Sprintf("at or before --to %v", f.To)
	case f.From > 0:
		return fmt.Sprintf("at or after --from %v", f.From)
	}
	return "in the run"
}

// ensembleNames returns the names of spec's ensembles, by which a view reads a peer's
// (traceview.Meta.Ensembles).
func ensembleNames(spec scenarios.Spec) []string {
	names := make([]string, len(spec.Ensembles))
	for i, e := range spec.Ensembles {
		names[i] = e.Name
	}
	return names
}

// maxPageData bounds the data of an html view (traceview.Meta.MaxHTMLData); a test
// lowers it.
var maxPageData = traceview.MaxHTMLData

// tooLarge reports an html view that a browser could not load, and how to draw less
// of the run.
func tooLarge(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "ensim: --format html: %v; no page written: draw less of the run with --call, --cast, --from or --to, or use --format text or jsonl\n", err)
	return exitUsage
}

// source reads the spec, seed and semantics to run from --scenario, --spec or a
// repro file, and names the source for the title; it reports a problem on stderr.
func (o *traceOptions) source(pos []string, stderr io.Writer) (spec scenarios.Spec, seed uint64, sem router.Semantics, name string, ok bool) {
	switch {
	case len(pos) == 1:
		rp, sem, err := readRepro(pos[0], "trace")
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return spec, 0, 0, "", false
		}
		name := rp.Spec.Name
		if name == "" {
			name = "spec"
		}
		o.repro = &rp
		return rp.Spec, rp.Seed, sem, name + " (repro " + pos[0] + ")", true
	case o.scenario != "":
		s, ok := named(o.scenario, o.seed, stderr)
		return s, o.seed, o.sem, o.scenario, ok
	}
	s, err := loadSpec(o.spec, "draw it with ensim trace %s, without --spec", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return spec, 0, 0, "", false
	}
	if s.Name == "" {
		return s, o.seed, o.sem, o.spec, true
	}
	return s, o.seed, o.sem, s.Name + " (spec " + o.spec + ")", true
}

// traceCommand is the command that draws what one violation of a failing run is
// about, as run, replay and sweep print it next to the repro file: what is "call" or
// "cast", and id the call's id or the cast's name.
// The page goes beside the repro, named after it and id: ids repeat from seed to
// seed, so a sweep's commands must not all write trace-c1.1.8.html.
func traceCommand(repro, what, id string) string {
	dir, base := filepath.Split(repro)
	base = strings.TrimSuffix(strings.TrimPrefix(base, "ensim-repro-"), ".json")
	out := dir + "trace-" + base + "-" + id + ".html"
	return fmt.Sprintf("ensim trace %s --%s %s --format html --out %s", shellQuote(repro), what, shellQuote(id), shellQuote(out))
}

// firstFailing returns what the first violation of vs that names a call or a cast is
// about: ("call", its id) or ("cast", its name, which the checker writes in the
// detail as "cast s3"), or ("", "") when none names either.
func firstFailing(vs []scenarios.Violation) (what, id string) {
	for _, v := range vs {
		if v.Call != "" {
			return "call", v.Call
		}
		if names := traceview.CastsNamed(v.Detail); len(names) > 0 {
			return "cast", names[0]
		}
	}
	return "", ""
}

// printFirstFailing prints, after indent, what the first violation of vs is about
// and the command that draws it; nothing when none names a call or a cast. From the
// module's root it prints the same with go run too, as printReplay does for the
// replay: one who runs ensim with go run has no ensim to paste the first line to.
func printFirstFailing(w io.Writer, indent, repro string, vs []scenarios.Violation) {
	if what, id := firstFailing(vs); what != "" {
		cmd := traceCommand(repro, what, id)
		fmt.Fprintf(w, "%sthe first failing %s is %s; draw it with:\n%s  %s\n", indent, what, id, indent, cmd)
		if atModuleRoot() {
			fmt.Fprintf(w, "%s  go run ./cmd/%s\n", indent, cmd)
		}
	}
}

// formatFlag is --format.
type formatFlag struct{ f *traceview.Format }

func (f formatFlag) String() string {
	if f.f == nil {
		return traceview.Text.String()
	}
	return f.f.String()
}

func (f formatFlag) Set(v string) error {
	format, err := traceview.ParseFormat(v)
	if err != nil {
		return errors.New("want text, jsonl or html")
	}
	*f.f = format
	return nil
}

// castFlag is --cast: a cast's name as the trace writes it, s1, s2, ...
type castFlag struct{ s *string }

func (f castFlag) String() string {
	if f.s == nil {
		return ""
	}
	return *f.s
}

func (f castFlag) Set(v string) error {
	if err := (traceview.Filter{Cast: v}).Validate(); err != nil {
		return errors.New("want a cast's name as the trace writes it: s and the cast's number, e.g. s3")
	}
	*f.s = v
	return nil
}

// timeFlag is --from and --to: a virtual time written as a Go duration, not
// negative.
type timeFlag struct{ d *time.Duration }

func (f timeFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}

func (f timeFlag) Set(v string) error {
	// As a spec's durations are read: a malformed one and one out of range are told
	// apart.
	var nd netmodel.Duration
	if err := nd.UnmarshalText([]byte(v)); err != nil {
		return fmt.Errorf("want a virtual time: %v", err)
	}
	d := nd.D()
	if d < 0 {
		return errors.New("want a virtual time, not negative")
	}
	*f.d = d
	return nil
}
