package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/internal/buildinfo"
	"github.com/ensroute/ensroute/router"
)

const usage = `usage: ensctl COMMAND [flags] ARGS
commands:
  call ENSEMBLE OP [ARGS...]    call the ensemble's leader: get KEY, put KEY VALUE, cas KEY OLD NEW,
                                echo TEXT, leader or lead (the demo peer's operations; ensctl refuses
                                others, exit 2, and exits 1 on a failed call or an "error: ..." answer)
  cast ENSEMBLE OP [ARGS...]    send without waiting
  leader get ENSEMBLE           the leader, as the node that answers sees it
  leader set ENSEMBLE NODE      make the ensemble's member on NODE the leader
  leader drain NODE             move every ensemble NODE leads to another member (before a restart);
                                the ensembles come from --config or --ensemble
  bench [--concurrency N] [--rate R] [--duration D] [--event EV] ENSEMBLE
                                measure calls/s and latency: closed loop, or open loop at --rate
                                (--concurrency then caps the calls in flight); exit 1 when no call succeeded
  scenario --spec FILE [--netns] [--skip-unsupported] [--slack D] [--ensnode PATH] [--json]
                                run an ensim spec against ensnode processes it starts
  version                       the code this binary runs (module version, revision, Go release)
flags of call, cast, leader and bench: --peers or --config, --secret-file, --via, --timeout, --json, ...
(ensctl COMMAND -h lists a command's flags)`

// exitInterrupted is the exit status after SIGINT or SIGTERM, as a shell reports a
// command that SIGINT killed.
const exitInterrupted = 130

// run runs the command args names and returns its exit status: 0, 1 when it failed,
// 2 for bad usage, exitInterrupted when ctx was canceled (main cancels it on SIGINT
// and SIGTERM).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	out := &outWriter{w: stdout}
	stdout = out
	var err error
	switch cmd {
	case "call", "cast":
		err = callCmd(ctx, cmd, args, stdout, stderr)
	case "leader":
		err = leaderCmd(ctx, args, stdout, stderr)
	case "bench":
		err = benchCmd(ctx, args, stdout, stderr)
	case "scenario":
		err = scenarioCmd(ctx, args, stdout, stderr)
	case "-h", "--help", "help":
		if cmd == "help" && len(args) > 0 && args[0] != "help" {
			// help COMMAND [VERB]: the command's own usage, as COMMAND -h gives it. A
			// word past them (an operation, an ensemble) is no argument: -h goes right
			// after the command, or after leader's verb.
			n := 1
			if args[0] == "leader" && len(args) > 1 {
				n = 2
			}
			return run(ctx, append(slices.Clone(args[:n]), "-h"), stdout, stderr)
		}
		fmt.Fprintln(stdout, usage)
		err = flag.ErrHelp
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, "ensctl", buildinfo.String())
	default:
		err = fmt.Errorf("%w: unknown command %q", cluster.ErrUsage, cmd)
	}
	if (err == nil || errors.Is(err, flag.ErrHelp)) && out.err != nil {
		// The answer, or the report, did not reach stdout: not a success.
		err = out.err
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case ctx.Err() == context.Canceled && !errors.Is(err, cluster.ErrUsage):
		// A signal (main's context), not a deadline: whatever the command was doing
		// was cut short; bench has printed what it measured until then.
		fmt.Fprintln(stderr, "ensctl: interrupted")
		return exitInterrupted
	case err == nil:
		return 0
	case errors.Is(err, cluster.ErrUsage):
		fmt.Fprintln(stderr, "ensctl:", err)
		return 2
	}
	fmt.Fprintln(stderr, "ensctl:", err)
	return 1
}

// outWriter is stdout, keeping the first error of a write to it (a full disk, a
// closed pipe), so that a command whose output was lost does not exit 0.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(b []byte) (int, error) {
	n, err := o.w.Write(b)
	if err != nil && o.err == nil {
		o.err = err
	}
	return n, err
}

// synopses are the commands' usage lines, which -h prints above the flags.
var synopses = map[string]string{
	"call":         "ensctl call [flags] ENSEMBLE OP [ARGS...]\n  OP: get KEY, put KEY VALUE, cas KEY OLD NEW (OLD - for absent), echo TEXT, leader or lead",
	"cast":         "ensctl cast [flags] ENSEMBLE OP [ARGS...]\n  OP as for call; cast sends without waiting for the answer",
	"leader get":   "ensctl leader get [flags] ENSEMBLE\n  prints the ensemble's leader, as the node that answers sees it",
	"leader set":   "ensctl leader set [flags] ENSEMBLE NODE\n  makes the ensemble's member on NODE its leader",
	"leader drain": "ensctl leader drain [flags] NODE\n  moves every ensemble NODE leads (of those --config or --ensemble names) to another member",
	"bench":        "ensctl bench [flags] ENSEMBLE\n  measures calls/s and the latency of calls to ENSEMBLE: closed loop, --concurrency callers each calling\n  again when its call ends, or open loop at --rate; exits 1 when no call succeeded",
}

// flags returns the flag set of command name; -h prints to help (stdout: asked-for
// help is output, not an error).
func flags(name string, help io.Writer) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("ensctl "+name, flag.ContinueOnError)
	fs.SetOutput(help) // where -h prints (parseArgs)
	c := &common{}
	c.register(fs, name)
	return fs, c
}

// parseArgs parses args into fs and c, wanting at least min arguments and, when max
// is not negative, at most max; what is the usage line of the arguments.
func parseArgs(fs *flag.FlagSet, c *common, args []string, min, max int, what string) error {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: %s\nflags:\n", synopses[strings.TrimPrefix(fs.Name(), "ensctl ")])
	}
	if err := cluster.Parse(fs, args, fs.Output(), usage, fs.Name()+" -h"); err != nil {
		return err
	}
	if fs.NArg() < min {
		return fmt.Errorf("%w: %s: want %s", cluster.ErrUsage, fs.Name(), what)
	}
	if max >= 0 && fs.NArg() > max {
		extra := fs.Args()[max:]
		hint := ""
		if isFlag(fs, extra[0]) {
			hint = " (flags go before the arguments)"
		}
		return fmt.Errorf("%w: %s: want %s, not the extra %q%s", cluster.ErrUsage, fs.Name(), what, strings.Join(extra, " "), hint)
	}
	// An event's words may be anything, but one that names a flag of the command is
	// most likely a flag put after the arguments, which would be sent as text; after
	// a "--" that ends the flags it is text.
	if max < 0 && (len(args) == fs.NArg() || args[len(args)-fs.NArg()-1] != "--") {
		for _, a := range fs.Args()[1:] {
			if isFlag(fs, a) {
				return fmt.Errorf("%w: %s: %s is a flag, and flags go before the arguments (to send it as text, put -- before ENSEMBLE)",
					cluster.ErrUsage, fs.Name(), a)
			}
		}
	}
	// Every command's first argument is a name: an ensemble's, or a node's (drain).
	first := "ENSEMBLE"
	if strings.HasPrefix(what, "NODE") {
		first = "NODE"
	}
	if err := cluster.CheckName(first, fs.Arg(0)); err != nil {
		return err
	}
	return c.resolve(fs)
}

// isFlag reports whether arg names a flag of fs: -name, --name, -name=value or
// --name=value.
func isFlag(fs *flag.FlagSet, arg string) bool {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return false
	}
	name = strings.TrimPrefix(name, "-")
	name, _, _ = strings.Cut(name, "=")
	return name != "" && fs.Lookup(name) != nil
}

// leadRefused is res.Err, or for an answer to "lead" that is not "ok" (the member's
// node took a newer entry meanwhile: the lead did not move) an error saying it.
func leadRefused(res router.Result) error {
	if res.Err != nil || kv.LeadTaken(res.Value) {
		return res.Err
	}
	return fmt.Errorf("%s did not take the lead: %s", res.Peer, res.Value)
}

// outcome is one call's result as printed.
type outcome struct {
	Ensemble  string `json:"ensemble,omitempty"`
	Peer      string `json:"peer,omitempty"`
	Value     string `json:"value,omitempty"`
	Error     string `json:"error,omitempty"`
	Code      string `json:"code"`
	LatencyNS int64  `json:"latency_ns"`
}

// castOutcome is a cast's result as --json prints it: sent to --via, or the error
// that kept it from being sent.
type castOutcome struct {
	Ensemble string `json:"ensemble"`
	Sent     bool   `json:"sent"`
	Via      string `json:"via"`
	Error    string `json:"error,omitempty"`
}

// printJSON writes v as one line of JSON.
func printJSON(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(w, string(b))
}

func report(c *common, stdout io.Writer, ens string, res router.Result, took time.Duration) error {
	if errors.Is(res.Err, context.Canceled) {
		// A signal cut the call short: it has no outcome (not a timeout), and run
		// says it was interrupted, as for one cut off while dialing (dialFailed).
		return res.Err
	}
	o := outcome{Ensemble: ens, Code: router.CodeOf(res.Err).String(), LatencyNS: took.Nanoseconds()}
	if res.Err != nil {
		o.Error = res.Err.Error()
	} else {
		o.Peer, o.Value = res.Peer.String(), string(res.Value)
	}
	if c.jsonOut {
		printJSON(stdout, o)
	} else if res.Err == nil {
		fmt.Fprintf(stdout, "%s (%s, %v)\n", res.Value, res.Peer, took.Round(time.Microsecond))
	}
	if res.Err != nil {
		if _, ok := res.Err.(*earlyTimeout); ok {
			return fmt.Errorf("%s: %w", ens, res.Err) // it says how long the call took
		}
		return fmt.Errorf("%s: %w (after %v)", ens, res.Err, took.Round(time.Microsecond))
	}
	if bytes.HasPrefix(res.Value, []byte("error:")) {
		// The peer's own way to refuse an event: a failure too, exit 1.
		return fmt.Errorf("%s: %s answered %s", ens, res.Peer, res.Value)
	}
	return nil
}

func callCmd(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs, c := flags(cmd, stdout)
	if err := parseArgs(fs, c, args, 2, -1, "ENSEMBLE OP [ARGS...]"); err != nil {
		return err
	}
	ens := fs.Arg(0)
	event, err := kv.Event(fs.Args()[1:])
	if err != nil {
		return fmt.Errorf("%w: %s: %w", cluster.ErrUsage, cmd, err)
	}
	if err := c.checkSize(cmd, ens, event); err != nil {
		return err
	}
	if known := c.Shape.Ensembles; cmd == "cast" && len(known) > 0 && !slices.ContainsFunc(known, func(e cluster.Ensemble) bool { return string(e.ID) == ens }) {
		// No answer would say that the name is wrong, as a call's no-leader does.
		return fmt.Errorf("%w: cast: %s is not one of the ensembles of %s (%s): a cast is not answered, so nothing would say the name is wrong",
			cluster.ErrUsage, ens, c.Setting("ensemble"), ensembleNames(known))
	}
	cl, err := c.dial(ctx, stderr)
	if err != nil {
		if cmd == "cast" && c.jsonOut && !errors.Is(err, cluster.ErrUsage) && !errors.Is(err, context.Canceled) {
			printJSON(stdout, castOutcome{Ensemble: ens, Via: c.via, Error: err.Error()})
		} else if cmd != "cast" {
			c.dialFailed(stdout, ens, err)
		}
		return err
	}
	defer cl.close()
	if cmd == "cast" {
		// A cast this client could not send (not connected to --via, its queue
		// full) failed here, and nothing left: not "sent".
		notSent := func(err error) error {
			err = fmt.Errorf("%s: cast not sent: %w", ens, err)
			if c.jsonOut {
				printJSON(stdout, castOutcome{Ensemble: ens, Via: c.via, Error: err.Error()})
			}
			return err
		}
		if err := cl.drv.Cast(cl.ensemble(ens), event); err != nil {
			return notSent(err)
		}
		// The cast is only queued: write it out before the client closes, which
		// would drop it.
		fctx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		if err := cl.tr.Flush(fctx); err != nil {
			return notSent(err)
		}
		if c.jsonOut {
			printJSON(stdout, castOutcome{Ensemble: ens, Sent: true, Via: c.via})
			return nil
		}
		fmt.Fprintln(stdout, "sent") // to --via; no answer says whether the leader got it
		return nil
	}
	res, took := cl.call(ctx, cl.ensemble(ens), event)
	res.Err = cl.unanswered(ens, res.Err, took)
	return report(c, stdout, ens, res, took)
}

// dialFailed writes, with --json, the outcome of a call to ens that could not be made
// because dialing failed with err (but for a usage error, and an interrupt, which the
// exit status and stderr tell): a script reads stdout, not stderr, and finds a line
// for every call there.
func (c *common) dialFailed(stdout io.Writer, ens string, err error) {
	if c.jsonOut && !errors.Is(err, cluster.ErrUsage) && !errors.Is(err, context.Canceled) {
		printJSON(stdout, outcome{Ensemble: ens, Error: err.Error(), Code: router.CodeOf(router.ErrUnreachable).String()})
	}
}

// unanswered explains a timeout, which may be the client's own doing: the answer
// comes straight from the leader's node, over a connection the client dialed, so a
// leader on a node that --peers does not list (or that the client could not reach)
// answers into the void. Or the leader was slow. A timeout long before --timeout was
// no wait: under riak semantics a node answers timeout at once where ensroute's say
// what went wrong. It explains no-leader too, which a name that is not an ensemble's
// gets as well as an ensemble in an election. Other errors are returned as they are.
// took is how long the call took.
func (cl *client) unanswered(ens string, err error, took time.Duration) error {
	if errors.Is(err, router.ErrNoLeader) {
		return cl.noLeader(ens, err)
	}
	if errors.Is(err, router.ErrUnreachable) && !errors.Is(err, router.ErrTooLarge) {
		if !cl.tr.Connected(router.NodeID(cl.c.via)) {
			return &explained{fmt.Sprintf("%v: this client's connection to --via %s is down (it was up when the command started): the request did not leave", err, cl.c.via), err}
		}
		why := fmt.Sprintf("--via %s, or a node it passed the request to, could not reach %s's leader: its node is down or cut off, or no longer hosts it", cl.c.via, ens)
		if _, not := cl.connected(); len(not) > 0 {
			why += fmt.Sprintf(" (this client is not connected to %s either)", strings.Join(not, ", "))
		}
		return &explained{fmt.Sprintf("%v: %s", err, why), err}
	}
	if !errors.Is(err, router.ErrTimeout) {
		return err
	}
	if took < cl.c.timeout/2 {
		why := "a node answered timeout before the deadline, as a node under riak semantics does when it knows no leader of the ensemble, is not connected to the leader's node, or the leader's node no longer hosts the member or it is in an election, and as any node does whose answer is too large to send (the request ran)"
		if cl.c.Semantics == "riak" {
			why += " (this client runs --semantics riak: under default semantics, if the cluster's nodes run it, the answer says which)"
		}
		return &earlyTimeout{explained{fmt.Sprintf("%v after %v of --timeout %v: %s%s", err, took.Round(time.Microsecond), cl.c.timeout, why, cl.unlisted(ens)), err}}
	}
	conn, not := cl.connected()
	why := noAnswerWhy(cl.c.Setting("peers"), ens, conn, not)
	if cl.c.Semantics == "riak" {
		why += fmt.Sprintf("; or, as this client runs --semantics riak, a node on the way knew no leader of %s (it is not an ensemble of the cluster, or an election is on) and dropped the request, as a node under riak does", ens)
	}
	return &explained{fmt.Sprintf("%v: no answer came; answers come straight from the leader's node, and %s%s", err, why, cl.unlisted(ens)), err}
}

// unlisted says, after a timeout of a call to ens, that ens is not one of the
// ensembles --config or --ensemble lists, if they list some and not it: a node
// under riak semantics answers a name that is no ensemble's with a timeout (at
// once, or none at all, as a remote hop drops it), where ensroute's answer no leader
// (noLeader says the same of that). "" otherwise.
func (cl *client) unlisted(ens string) string {
	known := cl.c.Shape.Ensembles
	if len(known) == 0 {
		return ""
	}
	for _, e := range known {
		if string(e.ID) == ens {
			return ""
		}
	}
	return fmt.Sprintf("; %s is not one of the ensembles of %s (%s): is the name right?", ens, cl.c.Setting("ensemble"), ensembleNames(known))
}

// noAnswerWhy says why a call to ens may have had no answer, by the members of peers
// (the flag or file that lists them) the client is connected to and those it is not.
func noAnswerWhy(peers, ens string, conn, not []string) string {
	if len(not) > 0 {
		return fmt.Sprintf("this client is not connected to %s (connected: %s): if %s's leader is there, its answer cannot reach this client; or the leader was slow or busy (a longer --timeout waits for it)",
			strings.Join(not, ", "), cmp.Or(strings.Join(conn, ", "), "none"), ens)
	}
	return fmt.Sprintf("this client is connected to every node in %s (connected: %s): %s's leader was slow or busy (a longer --timeout waits for it), or it is on a node missing from %s, whose answer cannot reach this client: %s must list every node of the cluster",
		peers, strings.Join(conn, ", "), ens, peers, peers)
}

// connected returns the members this client is connected to and those it is not.
func (cl *client) connected() (conn, not []string) {
	for _, m := range cl.c.Members() {
		if cl.tr.Connected(m) {
			conn = append(conn, string(m))
		} else {
			not = append(not, string(m))
		}
	}
	return conn, not
}

// ensembleNames lists the ids of ens, separated by commas.
func ensembleNames(ens []cluster.Ensemble) string {
	names := make([]string, len(ens))
	for i, e := range ens {
		names[i] = string(e.ID)
	}
	return strings.Join(names, ", ")
}

// noLeader explains a no-leader answer: a name that is no ensemble's gets it as well
// as an ensemble in an election, so a name the client was told of (--config or
// --ensemble) is told apart from one it was not, most likely mistyped.
func (cl *client) noLeader(ens string, err error) error {
	known := cl.c.Shape.Ensembles
	if len(known) == 0 {
		return &explained{fmt.Sprintf("%v: the nodes know no leader of %s: it is not an ensemble of the cluster, or it has had no leader yet, or an election is on", err, ens), err}
	}
	for _, e := range known {
		if string(e.ID) == ens {
			return &explained{fmt.Sprintf("%v: the nodes know no leader of %s, one of the ensembles of %s: it has had no leader yet, or an election is on", err, ens, cl.c.Setting("ensemble")), err}
		}
	}
	return &explained{fmt.Sprintf("%v: %s is not one of the ensembles of %s (%s), and the nodes know no leader of it: is the name right?", err, ens, cl.c.Setting("ensemble"), ensembleNames(known)), err}
}

func leaderCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		// Each synopsis's description lines indented under its command's name.
		in := func(cmd string) string { return strings.ReplaceAll(synopses[cmd], "\n  ", "\n         ") }
		fmt.Fprintf(stdout, "usage: %s\n       %s\n       %s\n(ensctl leader get -h lists the flags)\n", in("leader get"), in("leader set"), in("leader drain"))
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] == "drain" {
		return drainCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "get" && args[0] != "set") {
		return fmt.Errorf("%w: leader: want get ENSEMBLE, set ENSEMBLE NODE or drain NODE", cluster.ErrUsage)
	}
	verb := args[0]
	fs, c := flags("leader "+verb, stdout)
	want, what := 1, "ENSEMBLE"
	if verb == "set" {
		want, what = 2, "ENSEMBLE NODE"
	}
	if err := parseArgs(fs, c, args[1:], want, want, what); err != nil {
		return err
	}
	ens := router.EnsembleID(fs.Arg(0))
	var node router.NodeID
	if verb == "set" {
		node = router.NodeID(fs.Arg(1))
		if _, ok := c.Peers[node]; !ok {
			return fmt.Errorf("%w: leader set: node %s is not in %s", cluster.ErrUsage, node, c.Setting("peers"))
		}
	}
	cl, err := c.dial(ctx, stderr)
	if err != nil {
		c.dialFailed(stdout, string(ens), err)
		return err
	}
	defer cl.close()
	target, event := cl.ensemble(string(ens)), "leader" // --via is settled once dialed
	if verb == "set" {
		// The member itself takes the lead, and its node spreads the news by gossip.
		target, event = router.ToPeer(cluster.PeerRef(ens, node)), "lead"
	}
	res, took := cl.call(ctx, target, []byte(event))
	if verb == "set" && errors.Is(res.Err, router.ErrUnreachable) && !errors.Is(res.Err, router.ErrTooLarge) {
		if cl.tr.Connected(node) {
			res.Err = cl.noMember(ctx, ens, node)
		} else {
			// The request goes straight to the member's node, which this client could
			// not reach.
			res.Err = &explained{fmt.Sprintf("%v: this client is not connected to %s (%s in %s): it is down or cut off, or does not listen at that address",
				res.Err, node, c.Peers[node], c.Setting("peers")), res.Err}
		}
	}
	if verb == "set" && errors.Is(res.Err, router.ErrTimeout) && took < c.timeout/2 {
		res.Err = cl.leadEarlyTimeout(ens, node, res.Err, took)
	}
	if verb == "set" && errors.Is(res.Err, router.ErrTimeout) && took >= c.timeout/2 {
		// No answer came at all (one answered at once is riak's, reported as it is):
		// the request went straight to the member's node.
		res.Err = &explained{fmt.Sprintf("%v: no answer came from the member on %s within --timeout %v: its node was slow or busy (a longer --timeout waits for it)",
			res.Err, node, c.timeout), res.Err}
	}
	if verb == "set" {
		res.Err = leadRefused(res)
	}
	if verb == "get" {
		res.Err = cl.unanswered(string(ens), res.Err, took)
	}
	return report(c, stdout, string(ens), res, took)
}

// leadEarlyTimeout explains err, a timeout that came long before --timeout (after
// took) for leader set's request to the member of ens on node: under riak semantics
// the answer to what ensroute's semantics name. This client, under riak, fails at once
// with timeout a request to a node it is not connected to; a node under riak answers
// timeout at once for a member it does not host, as it does for a member that is gone.
// The error still matches the timeout (its --json code), as riak names it.
func (cl *client) leadEarlyTimeout(ens router.EnsembleID, node router.NodeID, err error, took time.Duration) error {
	c := cl.c
	head := fmt.Sprintf("%v after %v of --timeout %v", err, took.Round(time.Microsecond), c.timeout)
	if !cl.tr.Connected(node) {
		return &earlyTimeout{explained{fmt.Sprintf("%s: this client is not connected to %s (%s in %s): it is down or cut off, or does not listen at that address",
			head, node, c.Peers[node], c.Setting("peers")), err}}
	}
	why := fmt.Sprintf("%s answered timeout at once, as a node under riak semantics does when it hosts no member of %s (no such ensemble, or %s is not one of its members)", node, ens, node)
	for _, e := range c.Shape.Ensembles {
		if e.ID != ens {
			continue
		}
		if !slices.Contains(e.Members, node) {
			why += fmt.Sprintf(": %s is not a member of %s in %s (its members: %s)", node, ens, c.Setting("ensemble"), joinNodes(e.Members))
		}
		return &earlyTimeout{explained{head + ": " + why, err}}
	}
	if len(c.Shape.Ensembles) > 0 {
		why += fmt.Sprintf(": %s is not one of the ensembles of %s (%s)", ens, c.Setting("ensemble"), ensembleNames(c.Shape.Ensembles))
	}
	return &earlyTimeout{explained{head + ": " + why, err}}
}

// joinNodes lists nodes, separated by commas.
func joinNodes(nodes []router.NodeID) string {
	s := make([]string, len(nodes))
	for i, n := range nodes {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}

// explained is an outcome error with a message that says what it means here; it
// still matches the router's error (for the exit status and --json's code).
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// earlyTimeout is an explained timeout that came long before the deadline, whose
// message says how long the call took.
type earlyTimeout struct{ explained }

// noMember explains why the member of ens on node was unreachable though node is
// connected: node answered that it hosts no such member, as it answers for a member
// that is gone. It asks node's directory about ens: a leader there means node hosts
// no member of ens; none means ens does not exist or has no leader yet (a node
// answers both alike), and node hosts no member that leads it.
// (Under riak semantics a node answers timeout to both, as the original does, and
// drops a request for an ensemble it does not know: leader set then reports the
// timeout, with what it most likely means, leadEarlyTimeout.)
func (cl *client) noMember(ctx context.Context, ens router.EnsembleID, node router.NodeID) error {
	res, _ := cl.call(ctx, router.ToEnsemble(ens).Through(node), []byte("leader"))
	switch {
	case errors.Is(res.Err, router.ErrNoLeader):
		return &explained{fmt.Sprintf("%s knows no leader of ensemble %s (no such ensemble, or none has led it yet) and hosts no member of it", node, ens), router.ErrNoLeader}
	case errors.Is(res.Err, router.ErrTimeout), errors.Is(res.Err, router.ErrOverloaded):
		// node did not get as far as its directory.
		return &explained{fmt.Sprintf("%s hosts no member of ensemble %s, or knows no such ensemble (asked which: %v)", node, ens, res.Err), router.ErrUnreachable}
	}
	// node routed the question: it knows ens.
	return &explained{fmt.Sprintf("%s hosts no member of ensemble %s", node, ens), router.ErrUnreachable}
}
