package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
)

// TestBadUsage: bad commands and flags exit 2 with a message naming the problem.
func TestBadUsage(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	common := []string{"--peers", "n1=127.0.0.1:1", "--secret-file", secret}
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(badJSON, []byte(`{"peers": [`), 0o600)
	unknown := filepath.Join(dir, "unknown.json")
	_ = os.WriteFile(unknown, []byte(`{"peers": {"n1": "127.0.0.1:1"}, "nodes": 3}`), 0o600)
	peersOnly := filepath.Join(dir, "peers.json")
	_ = os.WriteFile(peersOnly, []byte(`{"peers": {"n1": "127.0.0.1:1"}}`), 0o600)
	holdSpec := filepath.Join(dir, "hold.json")
	b, _ := os.ReadFile("../internal/realscenario/testdata/real-smoke.json")
	// The smoke spec's pause of n2 becomes a hold of n2 -> n1, and its resume the
	// hold's release.
	hold := bytes.Replace(b, []byte(`"action": "pause",
      "node": "n2"`), []byte(`"action": "hold", "a": ["n2"], "b": ["n1"]`), 1)
	hold = bytes.Replace(hold, []byte(`"action": "resume",
      "node": "n2"`), []byte(`"action": "release", "a": ["n2"], "b": ["n1"]`), 1)
	_ = os.WriteFile(holdSpec, hold, 0o600)
	// A repro file of ensim: the smoke spec under "spec", as ensim writes it.
	repro := filepath.Join(dir, "repro.json")
	_ = os.WriteFile(repro, append(append([]byte(`{"ensroute_repro": 1, "seed": 1, "semantics": "default", "spec": `), b...), '}'), 0o600)
	call := func(flags ...string) []string { return append(append([]string{"call"}, flags...), "e1", "get", "k") }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "nothing", args: nil, want: "usage: ensctl COMMAND"},
		{name: "unknown command", args: []string{"frob"}, want: `unknown command "frob"`},
		{name: "bad log format", args: append([]string{"call", "--log-format", "logfmt"}, append(common, "e1", "get", "k")...), want: `--log-format "logfmt": want text or json`},
		{name: "call without event", args: append([]string{"call"}, append(common, "e1")...), want: "want ENSEMBLE OP [ARGS...]"},
		{name: "no peers", args: []string{"call", "--secret-file", secret, "e1", "get", "k"}, want: "--peers (or --config) is required"},
		{name: "no flags", args: []string{"call", "e1", "get", "k"}, want: "ensctl: usage: --peers (or --config) and --secret-file are required\n"},
		{name: "no secret", args: call("--peers", "n1=127.0.0.1:1"), want: "ensctl: usage: --secret-file is required\n"},
		{name: "id of a member", args: append([]string{"call", "--id", "n1"}, append(common, "e1", "get", "k")...), want: "--id n1 is a member's id in --peers"},
		{name: "id not UTF-8", args: append([]string{"call", "--id", "ctl\xff"}, append(common, "e1", "get", "k")...), want: `--id "ctl\xff": not valid UTF-8`},
		{name: "via unknown", args: append([]string{"call", "--via", "n5"}, append(common, "e1", "get", "k")...), want: "--via n5 is not in --peers"},
		{name: "leader verb", args: []string{"leader", "move"}, want: "want get ENSEMBLE, set ENSEMBLE NODE or drain NODE"},
		{name: "via unknown in config", args: call("--config", peersOnly, "--secret-file", secret, "--via", "n5"), want: "--via n5 is not in --config " + peersOnly + ": peers"},
		{name: "id of a member in config", args: call("--config", peersOnly, "--secret-file", secret, "--id", "n1"), want: "--id n1 is a member's id in --config " + peersOnly + ": peers"},
		{name: "leader set node in config", args: []string{"leader", "set", "--config", peersOnly, "--secret-file", secret, "e1", "n9"}, want: "node n9 is not in --config " + peersOnly + ": peers"},
		{name: "leader set node", args: append([]string{"leader", "set"}, append(common, "e1", "n9")...), want: "node n9 is not in --peers"},
		{name: "bench concurrency", args: append([]string{"bench", "--concurrency", "0"}, append(common, "e1")...), want: "--concurrency 0: want 1..100000"},
		{name: "bench concurrency huge", args: append([]string{"bench", "--concurrency", "20000000"}, append(common, "e1")...), want: "--concurrency 20000000: want 1..100000"},
		{name: "bench rate", args: append([]string{"bench", "--rate", "-5"}, append(common, "e1")...), want: "--rate -5"},
		{name: "bench rate NaN", args: append([]string{"bench", "--rate", "NaN"}, append(common, "e1")...), want: "--rate NaN: want 0 (closed loop) or a number of calls a second up to 100000000\n"},
		{name: "bench rate Inf", args: append([]string{"bench", "--rate", "Inf"}, append(common, "e1")...), want: "--rate +Inf: want 0"},
		{name: "bench rate huge", args: append([]string{"bench", "--rate", "1e10"}, append(common, "e1")...), want: "--rate 10000000000: want 0"},
		{name: "bench rate just past the limit", args: append([]string{"bench", "--rate", "123456789"}, append(common, "e1")...), want: "--rate 123456789: want 0"},
		{name: "bench rate far short of one call", args: append([]string{"bench", "--rate", "0.000001", "--duration", "2s"}, append(common, "e1")...), want: "--rate 0.000001 for --duration 2s is less than one call (rate × duration = 0.000002)"},
		{name: "bench rate tiny", args: append([]string{"bench", "--rate", "1e-300"}, append(common, "e1")...), want: "--rate 1e-300 for --duration 5s is less than one call (rate × duration = 5e-300)"},
		{name: "bench rate short of one call", args: append([]string{"bench", "--rate", "1", "--duration", "999ms"}, append(common, "e1")...), want: "--rate 1 for --duration 999ms is less than one call (rate × duration = 0.999)"},
		{name: "bench duration", args: append([]string{"bench", "--duration", "100000h"}, append(common, "e1")...), want: "--duration 100000h0m0s: want a positive duration up to 24h0m0s"},
		{name: "bench no ensemble", args: append([]string{"bench"}, common...), want: "want [flags] ENSEMBLE"},
		{name: "bench two ensembles", args: append([]string{"bench"}, append(common, "e1", "e2", "e3")...), want: "want [flags] ENSEMBLE, not the extra \"e2 e3\"\n"},
		{name: "bench flag after ensemble", args: append([]string{"bench"}, append(common, "e1", "--rate", "5")...), want: `not the extra "--rate 5" (flags go before the arguments)`},
		{name: "call flag after the event", args: append([]string{"call"}, append(common, "e1", "put", "k", "v", "--json")...), want: "ensctl call: --json is a flag, and flags go before the arguments (to send it as text, put -- before ENSEMBLE)"},
		{name: "call flag after the ensemble", args: append([]string{"call"}, append(common, "e1", "--json", "get", "k")...), want: "ensctl call: --json is a flag, and flags go before the arguments"},
		{name: "cast flag=value after the event", args: append([]string{"cast"}, append(common, "e1", "echo", "-timeout=5s")...), want: "ensctl cast: -timeout=5s is a flag"},
		{name: "leader get node", args: append([]string{"leader", "get"}, append(common, "e1", "n1")...), want: "leader get: want ENSEMBLE, not the extra \"n1\"\n"},
		{name: "too many routers", args: call(append(common, "--routers", "1025")...), want: "--routers 1025: want 1..1024"},
		{name: "long ensemble", args: append([]string{"call"}, append(common, strings.Repeat("e", 1025), "get", "k")...), want: "1025 bytes, the longest name is 1024"},
		{name: "zero connect timeout", args: call(append(common, "--connect-timeout", "0")...), want: "--connect-timeout 0s: want a positive duration"},
		{name: "negative connect timeout", args: append([]string{"bench", "--connect-timeout", "-1s"}, append(common, "e1")...), want: "--connect-timeout -1s: want a positive duration"},
		{name: "bad node for drain", args: []string{"leader", "drain", "--config", peersOnly, "--secret-file", secret, "n 3"}, want: `usage: NODE "n 3": ' ' is not allowed in a name`},
		{name: "zero connect timeout for drain", args: []string{"leader", "drain", "--config", peersOnly, "--secret-file", secret, "--connect-timeout", "0", "n1"}, want: "--connect-timeout 0s: want a positive duration"},
		{name: "bad timeout", args: append([]string{"call", "--timeout", "0s"}, append(common, "e1", "get", "k")...), want: "--timeout 0s: want a positive duration"},
		{name: "no deadline", args: append([]string{"call", "--timeout", "2562047h47m16.854775807s"}, append(common, "e1", "get", "k")...),
			want: "--timeout 2562047h47m16.854775807s: the largest duration means no deadline at all; want a finite one"},
		{name: "no deadline for leader get", args: append([]string{"leader", "get", "--timeout", "2562047h47m16.854775807s"}, append(common, "e1")...),
			want: "--timeout 2562047h47m16.854775807s: the largest duration means no deadline at all"},
		{name: "bad json", args: call("--config", badJSON, "--secret-file", secret), want: "--config " + badJSON},
		{name: "unknown key", args: call("--config", unknown, "--secret-file", secret), want: `unknown field "nodes"`},
		{name: "missing secret file", args: call("--peers", "n1=127.0.0.1:1", "--secret-file", filepath.Join(dir, "none")), want: "--secret-file: open"},
		{name: "bad address", args: call("--peers", "n1=127.0.0.1:seven", "--secret-file", secret), want: `port "seven" is not a number`},
		{name: "duplicate id", args: call("--peers", "n1=127.0.0.1:1,n1=127.0.0.1:2", "--secret-file", secret), want: "n1 is listed twice"},
		{name: "missing tls files", args: call(append(common, "--tls-cert", filepath.Join(dir, "c"), "--tls-key", filepath.Join(dir, "k"))...), want: "TLS key pair"},
		{name: "unknown flag", args: call("--peerz", "x"), want: "flag provided but not defined: --peerz"},
		{name: "call missing key", args: append([]string{"call"}, append(common, "e1", "get")...), want: `call: cannot parse "get" (want get KEY, put KEY VALUE`},
		{name: "call unknown op", args: append([]string{"call"}, append(common, "e1", "frob", "x")...), want: `call: cannot parse "frob x"`},
		{name: "call key with a space", args: append([]string{"call"}, append(common, "e1", "put", "my key", "v")...), want: `call: put: its KEY "my key" holds a space`},
		{name: "cast old with a space", args: append([]string{"cast"}, append(common, "e1", "cas", "k", "hello world", "bye")...), want: `cast: cas: its OLD "hello world" holds a space`},
		{name: "cast unknown op", args: append([]string{"cast"}, append(common, "e1", "frob")...), want: `cast: cannot parse "frob"`},
		{name: "bench cpuprofile path", args: append([]string{"bench", "--cpuprofile", filepath.Join(dir, "none", "cpu.pprof")}, append(common, "e1")...), want: "--cpuprofile: open " + filepath.Join(dir, "none", "cpu.pprof")},
		{name: "bench timeout", args: append([]string{"bench", "--timeout", "25h"}, append(common, "e1")...), want: "--timeout 25h0m0s: bench wants at most 24h0m0s"},
		{name: "bench unknown event", args: append([]string{"bench", "--event", "frob"}, append(common, "e1")...), want: `--event: cannot parse "frob"`},
		{name: "bench event too large", args: append([]string{"bench", "--event", "echo " + strings.Repeat("k", 1<<20)}, append(common, "e1")...),
			want: "bench --event: the event is 1048581 bytes, too large to send: with the rest of its message it makes a frame of up to "},
		{name: "scenario without spec", args: []string{"scenario"}, want: "want --spec FILE"},
		{name: "scenario argument", args: []string{"scenario", "--spec", "../internal/realscenario/testdata/real-smoke.json", "now"}, want: "scenario: want --spec FILE and no argument"},
		{name: "scenario negative slack", args: []string{"scenario", "--spec", "../internal/realscenario/testdata/real-smoke.json", "--slack", "-1ms"}, want: "--slack -1ms: want 0 or more"},
		{name: "scenario ensnode a directory", args: []string{"scenario", "--spec", "../internal/realscenario/testdata/real-smoke.json", "--ensnode", dir}, want: "--ensnode " + dir + ": not a file (a directory?)"},
		{name: "scenario missing spec", args: []string{"scenario", "--spec", filepath.Join(dir, "none.json")}, want: "--spec: open"},
		{name: "scenario bad spec", args: []string{"scenario", "--spec", badJSON}, want: "--spec " + badJSON},
		{name: "scenario repro", args: []string{"scenario", "--spec", repro}, want: "--spec " + repro + ": a repro file of ensim, not a spec"},
		{name: "scenario endless spec", args: []string{"scenario", "--spec", "/dev/zero"}, want: "--spec: /dev/zero: more than"},
		{name: "scenario missing ensnode", args: []string{"scenario", "--spec", "../internal/realscenario/testdata/real-smoke.json", "--ensnode", filepath.Join(dir, "none")}, want: "--ensnode: stat"},
		{name: "scenario unsupported", args: []string{"scenario", "--spec", holdSpec, "--ensnode", secret}, want: "faults[0]: hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}

// TestViaDefaultsToFirstPeer: without --via, calls go through the first member that
// --peers or the config file lists, not the lowest id: here n2, which nothing
// answers, so the call fails naming it, and n1, the member it would have fallen back
// to, which nothing answers either. A --via given falls back to nothing, and names
// only itself.
func TestViaDefaultsToFirstPeer(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	conf := filepath.Join(dir, "c.json")
	_ = os.WriteFile(conf, []byte(`{"peers": {"n2": "127.0.0.1:1", "n1": "127.0.0.1:2"}}`), 0o600)
	for _, tc := range []struct {
		shape     []string
		want, not string
	}{
		{[]string{"--peers", "n2=127.0.0.1:1,n1=127.0.0.1:2"}, "; no other member could be reached either: n1 (connect to n1: dial tcp 127.0.0.1:2: connect: connection refused)\n", ""},
		{[]string{"--config", conf}, "; no other member could be reached either: n1 (connect to n1: dial tcp 127.0.0.1:2: connect: connection refused)\n", ""},
		{[]string{"--peers", "n2=127.0.0.1:1,n1=127.0.0.1:2", "--via", "n2"}, "connection refused\n", "either"},
	} {
		args := append(append([]string{"call", "--secret-file", secret, "--connect-timeout", "200ms"}, tc.shape...), "e1", "get", "k")
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		if code != 1 || !strings.HasPrefix(errb.String(), "ensctl: cannot reach --via n2") || !strings.HasSuffix(errb.String(), tc.want) ||
			tc.not != "" && strings.Contains(errb.String(), tc.not) {
			t.Fatalf("%v: exit %d, stderr %q; want 1, cannot reach --via n2 ... %q", tc.shape, code, errb.String(), tc.want)
		}
	}
}

// TestSilentNodeNamesConnectTimeout: a member that accepts the connection and never
// answers the handshake (a stopped process does that: the kernel accepts for it)
// fails the call naming --connect-timeout, not a bare context deadline.
func TestSilentNodeNamesConnectTimeout(t *testing.T) {
	addr := holdingListener(t)
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"call", "--peers", "n1=" + addr, "--secret-file", secret,
		"--connect-timeout", "200ms", "e1", "get", "k"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "cannot reach --via n1") ||
		!strings.Contains(errb.String(), "no answer within --connect-timeout 200ms: is the node running, and not stopped") {
		t.Fatalf("exit %d, stderr %q; want 1 and --connect-timeout named", code, errb.String())
	}
}

// holdingListener listens on loopback, as a node stopped with SIGSTOP does: it
// accepts connections, reads nothing and answers nothing. It returns its address,
// and stops at the end of the test.
func holdingListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { _ = l.Close(); <-done })
	go func() {
		defer close(done)
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					_ = c.Close()
				}
				return
			}
			held = append(held, c) // read nothing, answer nothing
		}
	}()
	return l.Addr().String()
}

// TestReport: a call's answer prints as VALUE (PEER, LATENCY) with spaces, as the
// README shows it; an answer in which the peer refuses the event ("error: ...") is a
// failure (exit 1), printed as it came.
func TestReport(t *testing.T) {
	peer := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	var out bytes.Buffer
	err := report(&common{}, &out, "e1", router.Result{Value: []byte("ok hello world"), Peer: peer}, 364*time.Microsecond)
	if err != nil || out.String() != "ok hello world (e1/n1@n1, 364µs)\n" {
		t.Fatalf("printed %q, %v", out.String(), err)
	}
	out.Reset()
	err = report(&common{}, &out, "e1", router.Result{Value: []byte(`error: cannot parse "frob"`), Peer: peer}, time.Millisecond)
	if err == nil || errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), `e1/n1@n1 answered error: cannot parse "frob"`) {
		t.Fatalf("an error answer: %v, want a failure naming it", err)
	}
	if !strings.HasPrefix(out.String(), `error: cannot parse "frob" (e1/n1@n1`) {
		t.Fatalf("printed %q, want the answer", out.String())
	}
}

// TestUsageListsOperations: the help lists every operation call accepts, and no
// flag that scenario lacks as common to it.
func TestUsageListsOperations(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &out); code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, op := range []string{"get KEY", "put KEY VALUE", "cas KEY OLD NEW", "echo TEXT", "leader", "lead"} {
		if !strings.Contains(out.String(), op) {
			t.Errorf("the help lacks %q:\n%s", op, out.String())
		}
	}
	if strings.Contains(out.String(), "common to all") {
		t.Errorf("the help says every command takes the common flags; scenario does not:\n%s", out.String())
	}
	// Each command's -h gives its own usage line, then its flags.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"call", "-h"}, "usage: ensctl call [flags] ENSEMBLE OP [ARGS...]\n  OP: get KEY, put KEY VALUE, cas KEY OLD NEW"},
		{[]string{"cast", "-h"}, "usage: ensctl cast [flags] ENSEMBLE OP [ARGS...]\n"},
		{[]string{"leader", "get", "-h"}, "usage: ensctl leader get [flags] ENSEMBLE\n  prints the ensemble's leader"},
		{[]string{"leader", "set", "-h"}, "usage: ensctl leader set [flags] ENSEMBLE NODE\n  makes the ensemble's member on NODE its leader\nflags:\n"},
		{[]string{"leader", "drain", "-h"}, "usage: ensctl leader drain [flags] NODE\n  moves every ensemble NODE leads"},
		{[]string{"bench", "-h"}, "usage: ensctl bench [flags] ENSEMBLE\n  measures calls/s and the latency of calls to ENSEMBLE"},
		{[]string{"scenario", "-h"}, "usage: ensctl scenario --spec FILE [flags]\n"},
	} {
		// Asked-for help is output: on stdout, exit 0, with --help as with -h, and
		// as help COMMAND gives it.
		for _, h := range []string{"-h", "--help", "help"} {
			args := append(append([]string{}, tc.args[:len(tc.args)-1]...), h)
			if h == "help" {
				args = append([]string{"help"}, tc.args[:len(tc.args)-1]...)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			if code != 0 || !strings.HasPrefix(out.String(), tc.want) || !strings.Contains(out.String(), "  --json") || errb.Len() > 0 {
				t.Errorf("%v: exit %d, stdout:\n%s\nstderr: %q\nwant exit 0, %q first and the flags on stdout, nothing on stderr", args, code, out.String(), errb.String(), tc.want)
			}
		}
	}
	// --timeout is a call's deadline, except for cast, which is not answered.
	for cmd, want := range map[string]string{"call": "deadline of each call", "cast": "how long to wait for the cast to be written out to --via"} {
		out.Reset()
		run(context.Background(), []string{cmd, "-h"}, &out, &bytes.Buffer{})
		if _, after, _ := strings.Cut(out.String(), "  --timeout duration\n"); !strings.HasPrefix(strings.TrimSpace(after), want) {
			t.Errorf("%s -h: --timeout is not %q:\n%s", cmd, want, out.String())
		}
	}
	// leader -h gives each subcommand's usage line with its own description under it.
	var errb bytes.Buffer
	out.Reset()
	code := run(context.Background(), []string{"leader", "-h"}, &out, &errb)
	want := "usage: ensctl leader get [flags] ENSEMBLE\n         prints the ensemble's leader, as the node that answers sees it\n" +
		"       ensctl leader set [flags] ENSEMBLE NODE\n         makes the ensemble's member on NODE its leader\n" +
		"       ensctl leader drain [flags] NODE\n         moves every ensemble NODE leads"
	if code != 0 || !strings.HasPrefix(out.String(), want) || errb.Len() > 0 {
		t.Errorf("leader -h: exit %d, stdout:\n%s\nstderr: %q\nwant exit 0 and %q first on stdout", code, out.String(), errb.String(), want)
	}
	// The usage after an error goes to stderr, exit 2.
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), nil, &out, &errb); code != 2 || out.Len() > 0 || !strings.HasPrefix(errb.String(), "usage: ensctl COMMAND") {
		t.Errorf("no command: exit %d, stdout %q, stderr %q; want 2 and the usage on stderr", code, out.String(), errb.String())
	}
}

// TestDashDashSendsFlagsAsText: after --, a word that names a flag is the event's
// text: put k --json stores "--json", which get returns.
func TestDashDashSendsFlagsAsText(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	flags := []string{"--peers", "n1=" + n.addr, "--secret-file", n.secret}
	var out, errb bytes.Buffer
	if code := run(context.Background(), append(append([]string{"call"}, flags...), "--", "e1", "put", "k", "--json"), &out, &errb); code != 0 {
		t.Fatalf("put: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(context.Background(), append(append([]string{"call"}, flags...), "e1", "get", "k"), &out, &errb); code != 0 ||
		!strings.HasPrefix(out.String(), "ok --json (") {
		t.Fatalf("get: exit %d, stdout %q, stderr %q; want ok --json", code, out.String(), errb.String())
	}
}

// TestVersion: --version (or version) prints the code the binary runs, with the Go
// release that built it, and exits 0 without connecting anywhere.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		var out, errs bytes.Buffer
		code := run(context.Background(), []string{arg}, &out, &errs)
		if code != 0 || !strings.HasPrefix(out.String(), "ensctl ") || !strings.HasSuffix(out.String(), " "+runtime.Version()+"\n") || errs.Len() != 0 {
			t.Errorf("%s: exit %d, out %q, err %q; want 0 and \"ensctl VERSION %s\"", arg, code, out.String(), errs.String(), runtime.Version())
		}
	}
}

// TestUnreachableViaJSON: with --json, a call, a cast and leader get and set whose
// --via cannot be reached write their outcome on stdout, as one that reached it
// does: a script reads stdout, and finds a line for each.
func TestUnreachableViaJSON(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	for _, tc := range []struct{ command, args []string }{
		{[]string{"call"}, []string{"e1", "get", "k"}}, {[]string{"cast"}, []string{"e1", "put", "k", "v"}},
		{[]string{"leader", "get"}, []string{"e1"}}, {[]string{"leader", "set"}, []string{"e1", "n1"}},
	} {
		var out, errb bytes.Buffer
		flags := []string{"--peers", "n1=127.0.0.1:1", "--secret-file", secret, "--connect-timeout", "200ms", "--json"}
		cmd := append(append(append([]string{}, tc.command...), flags...), tc.args...)
		code := run(context.Background(), cmd, &out, &errb)
		var got struct {
			Ensemble, Error, Code string
		}
		if code != 1 || json.Unmarshal(out.Bytes(), &got) != nil || got.Ensemble != "e1" || !strings.Contains(got.Error, "cannot reach --via n1") ||
			tc.command[0] != "cast" && got.Code != "unreachable" {
			t.Errorf("%q: exit %d, stdout %q; want 1 and a JSON outcome: e1, cannot reach --via n1, unreachable", cmd, code, out.String())
		}
	}
}

// TestBenchUnreachableLeavesNoProfile: --cpuprofile's file is made before connecting
// (a bad path is bad usage), and removed when bench cannot connect: no run, no
// profile.
func TestBenchUnreachableLeavesNoProfile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	prof := filepath.Join(dir, "cpu.pprof")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--cpuprofile", prof, "--peers", "n1=127.0.0.1:1", "--secret-file", secret,
		"--connect-timeout", "200ms", "e1"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "cannot reach --via n1") {
		t.Fatalf("exit %d, stderr %q; want 1 and cannot reach --via n1", code, errb.String())
	}
	if _, err := os.Stat(prof); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("--cpuprofile %s left behind by a bench that never ran (stat: %v)", prof, err)
	}
}

// TestCallTimeout: a call waits --timeout for its answer and no longer: to a leader
// that takes 1.5s over each request, a call with --timeout 200ms fails with timeout,
// exit 1, after about 200ms, which --json reports as its latency, and stderr explains
// as a wait (not as a timeout answered at once).
func TestCallTimeout(t *testing.T) {
	n := startTestNode(t, "n1")
	leadSlowly(t, n, "e1", 1500*time.Millisecond)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"call", "--peers", "n1=" + n.addr, "--secret-file", n.secret, "--timeout", "200ms", "--json", "e1", "get", "k"}, &out, &errb)
	var o outcome
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatalf("stdout %q: %v (stderr %q)", out.String(), err, errb.String())
	}
	if took := time.Duration(o.LatencyNS); code != 1 || o.Code != "timeout" || took < 200*time.Millisecond || took > 900*time.Millisecond ||
		!strings.Contains(errb.String(), "no answer came") {
		t.Fatalf("exit %d, %+v (took %v), stderr %q; want 1, a timeout after about 200ms, explained as a wait", code, o, took, errb.String())
	}
}

// TestLeadRefused: an answer to "lead" other than "ok ENTRY" (the member's node took a
// newer entry meanwhile) is a failure for leader set and drain, not a lead moved.
func TestLeadRefused(t *testing.T) {
	p := router.PeerRef{Ensemble: "e1", Name: "n2", Node: "n2"}
	if err := leadRefused(router.Result{Value: []byte("ok e1=e1/n2@n2@v7"), Peer: p}); err != nil {
		t.Errorf("ok: %v", err)
	}
	err := leadRefused(router.Result{Value: []byte("error: not leading: the node took a newer entry meanwhile, e1=e1/n3@n3@v9"), Peer: p})
	if err == nil || err.Error() != "e1/n2@n2 did not take the lead: error: not leading: the node took a newer entry meanwhile, e1=e1/n3@n3@v9" {
		t.Errorf("refused: %v", err)
	}
	if err := leadRefused(router.Result{Err: router.ErrUnreachable}); err != router.ErrUnreachable {
		t.Errorf("unreachable: %v", err)
	}
}

// TestJSONWhenUnreachable: with --json, a call or cast that could not reach --via
// still prints its JSON line on stdout (a script reads stdout), with the error and,
// for a call, the code unreachable; stderr says the same, and the exit status is 1.
func TestJSONWhenUnreachable(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	for _, tc := range []struct {
		cmd  string
		want string
	}{
		{"call", `{"ensemble":"e1","error":"cannot reach --via n1: `},
		{"cast", `{"ensemble":"e1","sent":false,"via":"n1","error":"cannot reach --via n1: `},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{tc.cmd, "--peers", "n1=127.0.0.1:1", "--secret-file", secret,
			"--connect-timeout", "200ms", "--json", "e1", "get", "k"}, &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), "cannot reach --via n1") {
			t.Fatalf("%s: exit %d, stderr %q; want 1 and cannot reach --via n1", tc.cmd, code, errb.String())
		}
		var line map[string]any
		if !strings.HasPrefix(out.String(), tc.want) || json.Unmarshal(out.Bytes(), &line) != nil {
			t.Fatalf("%s: stdout %q, want one JSON line starting %s", tc.cmd, out.String(), tc.want)
		}
		if tc.cmd == "call" && line["code"] != "unreachable" {
			t.Fatalf("call: code %v, want unreachable", line["code"])
		}
	}
}
