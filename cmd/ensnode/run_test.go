package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestBadFlags: bad flags and config exit 2 with a message naming the problem.
func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	short := filepath.Join(dir, "short")
	conf := filepath.Join(dir, "c.json")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	_ = os.WriteFile(short, []byte("abc"), 0o600)
	_ = os.WriteFile(conf, []byte(`{"peers": {"n1": "127.0.0.1:1"}, "ensembels": []}`), 0o600)
	emptyID := filepath.Join(dir, "empty-id.json")
	_ = os.WriteFile(emptyID, []byte(`{"peers": {"n1": "127.0.0.1:1", "": "127.0.0.1:2"}}`), 0o600)
	peers := "n1=127.0.0.1:1,n2=127.0.0.1:2"
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	badJSON := file("bad.json", `{"peers": {"n1": "127.0.0.1:1"`)
	twoValues := file("two.json", `{"peers": {"n1": "127.0.0.1:1"}} {}`)
	dupPeers := file("dup.json", `{"peers": {"n1": "127.0.0.1:1", "n1": "127.0.0.1:2"}}`)
	badPort := file("port.json", `{"peers": {"n1": "127.0.0.1:http2"}}`)
	notPEM := file("cert.pem", "not a certificate")
	badRouters := file("routers.json", `{"peers": {"n1": "127.0.0.1:1"}, "routers": -3}`)
	badSemantics := file("semantics.json", `{"peers": {"n1": "127.0.0.1:1"}, "semantics": "erlang"}`)
	longCluster := file("cluster.json", `{"peers": {"n1": "127.0.0.1:1"}, "cluster": "`+strings.Repeat("c", 1025)+`"}`)
	peersOnly := file("peers.json", `{"peers": {"n1": "127.0.0.1:1"}}`)
	empty := file("empty.json", "")
	stringRouters := file("string-routers.json", `{"peers": {"n1": "127.0.0.1:1"}, "routers": "7"}`)
	nestedTypo := file("nested.json", `{"peers": {"n1": "127.0.0.1:1"}, "ensembles": [{"id": "e1", "member": ["n1"]}]}`)
	membersString := file("members.json", `{"peers": {"n1": "127.0.0.1:1"}, "ensembles": [{"id": "e1", "members": "n1"}]}`)
	upperKey := file("upper.json", `{"Peers": {"n1": "127.0.0.1:1"}}`)
	emptyCluster := file("empty-cluster.json", `{"peers": {"n1": "127.0.0.1:1"}, "cluster": ""}`)
	zeroRouters := file("zero-routers.json", `{"peers": {"n1": "127.0.0.1:1"}, "routers": 0}`)
	emptySemantics := file("empty-semantics.json", `{"peers": {"n1": "127.0.0.1:1"}, "semantics": ""}`)
	syntax := file("syntax.json", "{\n  \"peers\": {\"n1\": \"127.0.0.1:1\"},\n  \"routers\": 7,,\n}")
	strayMember := file("stray.json", `{"peers": {"n1": "127.0.0.1:1"}, "ensembles": [{"id": "e1", "members": ["n1", "n7"]}]}`)
	noMembers := file("nomembers.json", `{"peers": {"n1": "127.0.0.1:1"}, "ensembles": [{"id": "e1", "members": []}]}`)
	noID := file("noid.json", `{"peers": {"n1": "127.0.0.1:1"}, "ensembles": [{"members": ["n1"]}]}`)
	caFile := testcerts.Write(t, dir, "n1")
	caPEM, _ := os.ReadFile(caFile)
	keyPEM, _ := os.ReadFile(filepath.Join(dir, "n1.key"))
	caAndKey := file("ca-and-key.pem", string(caPEM)+string(keyPEM))
	base := []string{"--id", "n1", "--peers", peers, "--secret-file", secret}
	with := func(more ...string) []string { return append(append([]string{}, base...), more...) }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "nothing", args: nil, want: "ensnode: usage: --id, --peers (or --config) and --secret-file are required\n"},
		{name: "only id", args: []string{"--id", "n1"}, want: "ensnode: usage: --peers (or --config) and --secret-file are required\n"},
		{name: "no id nor secret", args: []string{"--peers", peers, "--ensemble", "e1=n1,n7"}, want: "ensnode: usage: --id and --secret-file are required\n"},
		{name: "config without peers", args: []string{"--id", "n1", "--config", file("nopeers.json", `{"routers": 3}`)},
			want: "--peers (or peers in --config " + filepath.Join(dir, "nopeers.json") + ") and --secret-file are required"},
		{name: "no id", args: []string{"--peers", peers, "--secret-file", secret}, want: "--id is required"},
		{name: "id not a peer", args: []string{"--id", "n9", "--peers", peers, "--secret-file", secret}, want: "--id n9 is not in --peers"},
		{name: "bad peers", args: []string{"--id", "n1", "--peers", "n1", "--secret-file", secret}, want: `--peers: "n1": want id=host:port`},
		{name: "no port", args: []string{"--id", "n1", "--peers", "n1=localhost", "--secret-file", secret}, want: "the address needs a port"},
		{name: "no secret", args: []string{"--id", "n1", "--peers", peers}, want: "--secret-file is required"},
		{name: "endless secret", args: []string{"--id", "n1", "--peers", peers, "--secret-file", "/dev/zero"}, want: "--secret-file: /dev/zero: more than 1048576 bytes"},
		{name: "endless config", args: []string{"--id", "n1", "--config", "/dev/zero", "--secret-file", secret}, want: "--config: /dev/zero: more than 67108864 bytes"},
		{name: "short secret", args: []string{"--id", "n1", "--peers", peers, "--secret-file", short}, want: "the secret has 3 bytes, want at least 8"},
		{name: "short accepted secret", args: append(base, "--accept-secret-file", short), want: "--accept-secret-file " + short + ": the secret has 3 bytes, want at least 8"},
		{name: "missing accepted secret", args: append(base, "--accept-secret-file", filepath.Join(dir, "none")), want: "--accept-secret-file: open " + filepath.Join(dir, "none")},
		{name: "member not a peer", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--ensemble", "e1=n1,n7"}, want: "ensemble e1: member n7 is not in --peers"},
		{name: "bad ensemble", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--ensemble", "e1"}, want: `--ensemble "e1": want id=node,node,...`},
		{name: "bad semantics", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--semantics", "erlang"}, want: `--semantics "erlang": want default or riak`},
		{name: "bad routers", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--routers", "0"}, want: "--routers 0: want 1..1024"},
		{name: "too many routers", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--routers", "100000"}, want: "--routers 100000: want 1..1024"},
		{name: "tls half", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--tls-cert", "x.pem"}, want: "--tls-cert and --tls-key go together"},
		{name: "config empty id", args: []string{"--id", "n1", "--config", emptyID, "--secret-file", secret}, want: "--config " + emptyID + ": peers: node: empty"},
		{name: "config typo", args: []string{"--id", "n1", "--config", conf, "--secret-file", secret}, want: `unknown field "ensembels"`},
		{name: "unknown flag", args: []string{"--idd", "n1"}, want: "flag provided but not defined: --idd"},
		{name: "bad peer rate", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--peer-rate", "-3"}, want: "--peer-rate -3: want 0 (each request at once) or 0.001 to 1e+09 requests a second"},
		{name: "peer rate NaN", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--peer-rate", "NaN"}, want: "--peer-rate NaN: want 0"},
		{name: "peer rate Inf", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--peer-rate", "Inf"}, want: "--peer-rate +Inf: want 0"},
		{name: "peer rate tiny", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--peer-rate", "1e-300"}, want: "--peer-rate 1e-300: want 0"},
		{name: "bad log level", args: []string{"--id", "n1", "--peers", peers, "--secret-file", secret, "--log-level", "loud"}, want: `--log-level "loud": want debug, info, warn or error`},
		{name: "bad log format", args: with("--log-format", "xml"), want: `--log-format "xml": want text or json`},
		{name: "bad json", args: []string{"--id", "n1", "--config", badJSON, "--secret-file", secret}, want: "--config " + badJSON + ": malformed JSON: it ends in the middle of the config"},
		{name: "empty config", args: []string{"--id", "n1", "--config", empty, "--secret-file", secret}, want: "--config " + empty + ": no config: the input is empty, want a JSON object"},
		{name: "routers a string", args: []string{"--id", "n1", "--config", stringRouters, "--secret-file", secret}, want: "--config " + stringRouters + ": routers: want an integer, got a string"},
		{name: "typo in an ensemble", args: []string{"--id", "n1", "--config", nestedTypo, "--secret-file", secret}, want: "--config " + nestedTypo + `: ensembles[0]: unknown field "member"`},
		{name: "members a string", args: []string{"--id", "n1", "--config", membersString, "--secret-file", secret}, want: "--config " + membersString + ": ensembles[0].members: want a list, got a string"},
		{name: "empty cluster in config", args: []string{"--id", "n1", "--config", emptyCluster, "--secret-file", secret}, want: "--config " + emptyCluster + `: cluster is "": want a cluster name (leave the key out for the default)`},
		{name: "zero routers in config", args: []string{"--id", "n1", "--config", zeroRouters, "--secret-file", secret}, want: "routers is 0: want 1..1024"},
		{name: "empty semantics in config", args: []string{"--id", "n1", "--config", emptySemantics, "--secret-file", secret}, want: `semantics is "": want default or riak`},
		{name: "key in another case", args: []string{"--id", "n1", "--config", upperKey, "--secret-file", secret}, want: `unknown field "Peers": keys are case-sensitive, want "peers"`},
		{name: "syntax error", args: []string{"--id", "n1", "--config", syntax, "--secret-file", secret}, want: "--config " + syntax + ": malformed JSON at line 3, column 16: invalid character ','"},
		{name: "two json values", args: []string{"--id", "n1", "--config", twoValues, "--secret-file", secret}, want: "trailing data after the config object"},
		{name: "missing config", args: []string{"--id", "n1", "--config", filepath.Join(dir, "none.json"), "--secret-file", secret}, want: "--config: open"},
		{name: "duplicate id in config", args: []string{"--id", "n1", "--config", dupPeers, "--secret-file", secret}, want: `peers: key "n1" appears twice`},
		{name: "bad port in config", args: []string{"--id", "n1", "--config", badPort, "--secret-file", secret}, want: "--config " + badPort + `: peers: n1 "127.0.0.1:http2": port "http2" is not a number`},
		{name: "bad routers in config", args: []string{"--id", "n1", "--config", badRouters, "--secret-file", secret}, want: "--config " + badRouters + ": routers -3: want 1..1024"},
		{name: "bad semantics in config", args: []string{"--id", "n1", "--config", badSemantics, "--secret-file", secret}, want: "--config " + badSemantics + `: semantics "erlang"`},
		{name: "member not a peer in config", args: []string{"--id", "n1", "--config", strayMember, "--secret-file", secret}, want: "--config " + strayMember + ": ensembles: ensemble e1: member n7 is not in --config " + strayMember + ": peers"},
		{name: "ensemble without members in config", args: []string{"--id", "n1", "--config", noMembers, "--secret-file", secret}, want: "--config " + noMembers + `: ensembles: ensemble "e1" needs members`},
		{name: "ensemble without an id in config", args: []string{"--id", "n1", "--config", noID, "--secret-file", secret}, want: "--config " + noID + ": ensembles: an ensemble needs an id"},
		{name: "space in an ensemble", args: with("--ensemble", "e 1=n1"), want: `--ensemble: ensemble "e 1": ' ' is not allowed in a name`},
		{name: "newline in a node id", args: []string{"--id", "n1", "--peers", "n1=127.0.0.1:1,n\n2=127.0.0.1:2", "--secret-file", secret}, want: `--peers: node "n\n2": '\n' is not allowed`},
		{name: "invalid utf-8 in an ensemble", args: with("--ensemble", "e\xff=n1"), want: `--ensemble: ensemble "e\xff": not valid UTF-8`},
		{name: "duplicate id", args: []string{"--id", "n1", "--peers", "n1=127.0.0.1:1,n1=127.0.0.1:2", "--secret-file", secret}, want: "--peers: n1 is listed twice"},
		{name: "shared address", args: []string{"--id", "n1", "--peers", "n1=127.0.0.1:1,n2=127.0.0.1:1", "--secret-file", secret}, want: "n1 and n2 share the address 127.0.0.1:1"},
		{name: "port out of range", args: []string{"--id", "n1", "--peers", "n1=127.0.0.1:99999", "--secret-file", secret}, want: `port "99999" is not a number from 1 to 65535`},
		{name: "no host", args: []string{"--id", "n1", "--peers", "n1=:7001", "--secret-file", secret}, want: `--peers: n1 ":7001": the address needs a host`},
		{name: "bad listen", args: with("--listen", "nowhere"), want: `--listen "nowhere": want host:port`},
		{name: "bad admin", args: with("--admin", "127.0.0.1:x"), want: `--admin "127.0.0.1:x": port "x"`},
		{name: "missing secret file", args: []string{"--id", "n1", "--peers", peers, "--secret-file", filepath.Join(dir, "none")}, want: "--secret-file: open"},
		{name: "secret is a directory", args: []string{"--id", "n1", "--peers", peers, "--secret-file", dir}, want: "is a directory"},
		{name: "missing tls files", args: with("--tls-cert", filepath.Join(dir, "c.pem"), "--tls-key", filepath.Join(dir, "k.pem")), want: "TLS key pair"},
		{name: "tls file not pem", args: with("--tls-cert", notPEM, "--tls-key", notPEM), want: "failed to find any PEM data"},
		{name: "tls ca with a key in it", args: with("--tls-cert", filepath.Join(dir, "n1.pem"), "--tls-key", filepath.Join(dir, "n1.key"), "--tls-ca", caAndKey),
			want: "TLS CA file " + caAndKey + `: block 2 is not a CERTIFICATE but "EC PRIVATE KEY"`},
		{name: "tls ca without cert", args: with("--tls-ca", notPEM), want: "--tls-ca needs --tls-cert and --tls-key"},
		{name: "duplicate member", args: with("--ensemble", "e1=n1,n2,n1"), want: "ensemble e1: member n1 is listed twice"},
		{name: "duplicate ensemble", args: with("--ensemble", "e1=n1", "--ensemble", "e1=n2"), want: "ensemble e1 is listed twice"},
		{name: "long ensemble", args: with("--ensemble", strings.Repeat("e", 1025)+"=n1"), want: "ensemble \"eeeeeeeeeeeeeeeeeeee\"...: 1025 bytes, the longest name is 1024"},
		{name: "long node id", args: []string{"--id", "n1", "--peers", peers + "," + strings.Repeat("n", 1025) + "=127.0.0.1:3", "--secret-file", secret}, want: "--peers: node \"nnnnnnnnnnnnnnnnnnnn\"...: 1025 bytes"},
		{name: "id not a peer in config", args: []string{"--id", "n9", "--config", peersOnly, "--secret-file", secret}, want: "--id n9 is not in --config " + peersOnly + ": peers"},
		{name: "long cluster", args: with("--cluster", strings.Repeat("c", 1025)), want: "--cluster \"cccccccccccccccccccc\"...: 1025 bytes, the longest cluster name is 1024"},
		{name: "long cluster in config", args: []string{"--id", "n1", "--config", longCluster, "--secret-file", secret}, want: "--config " + longCluster + ": cluster \"cccccccccccccccccccc\"...: 1025 bytes"},
		{name: "bad mailbox", args: with("--mailbox", "0"), want: "--mailbox 0: want 1..149796"},
		{name: "huge mailbox", args: with("--mailbox", "10000000"), want: "--mailbox 10000000: want 1..149796 (with --routers 7: the node's mailboxes hold at most 1048576 messages"},
		{name: "mailbox for many routers", args: with("--routers", "1024", "--mailbox", "1025"), want: "--mailbox 1025: want 1..1024 (with --routers 1024"},
		{name: "bad service", args: with("--service", "-1ms"), want: "--service -1ms"},
		{name: "no handshakes", args: with("--max-handshakes", "0"), want: "--max-handshakes 0: want at least 1"},
		{name: "negative handshakes", args: with("--max-handshakes", "-5"), want: "--max-handshakes -5: want at least 1"},
		{name: "handshakes not a number", args: with("--max-handshakes", "many"), want: `invalid value "many" for flag --max-handshakes`},
		{name: "negative reply hold", args: with("--reply-hold", "-1s"), want: "--reply-hold -1s: want 0 (none kept) or more"},
		{name: "reply hold not a duration", args: with("--reply-hold", "3"), want: `invalid value "3" for flag --reply-hold`},
		{name: "extra argument", args: with("now"), want: `unexpected argument "now"`},
		{name: "bad routers in config under --routers", args: []string{"--id", "n1", "--config", badRouters, "--routers", "5", "--secret-file", secret},
			want: "--config " + badRouters + ": routers -3: want 1..1024"},
		{name: "bad routers in config without peers", args: []string{"--id", "n1", "--config", file("routers-only.json", `{"routers": -3}`)},
			want: "--config " + filepath.Join(dir, "routers-only.json") + ": routers -3: want 1..1024"},
		{name: "null peers in config", args: []string{"--id", "n1", "--config", file("null-peers.json", `{"peers": null}`), "--secret-file", secret},
			want: "--config " + filepath.Join(dir, "null-peers.json") + ": peers is null: want an object of node ids and their host:port"},
		// A duration that is not a whole number of nanoseconds, by a flag or in the
		// config file: it was cut to the nanosecond below and the node started
		// (--reply-hold 0.5ns kept no reply at all, --service 0.5ns made the demo peer
		// spend nothing).
		{name: "reply hold below a nanosecond", args: with("--reply-hold", "0.5ns"),
			want: `invalid value "0.5ns" for flag --reply-hold: not a whole number of nanoseconds, the finest a duration holds (0s would be read)`},
		{name: "service below a nanosecond", args: with("--service", "1.0000000001ms"),
			want: `invalid value "1.0000000001ms" for flag --service: not a whole number of nanoseconds, the finest a duration holds (1ms would be read)`},
		{name: "heartbeat interval below a nanosecond", args: with("--heartbeat-interval", "500.0000000001ms"),
			want: `invalid value "500.0000000001ms" for flag --heartbeat-interval: not a whole number of nanoseconds`},
		{name: "config duration below a nanosecond", args: []string{"--id", "n1", "--config", file("subnanos.json", `{"peers": {"n1": "127.0.0.1:1"}, "backoff_max": "2.0000000005s"}`), "--secret-file", secret},
			want: "--config " + filepath.Join(dir, "subnanos.json") + `: backoff_max: "2.0000000005s": not a whole number of nanoseconds, the finest a duration holds (2s would be read)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Cancelled already: a bad flag that slipped through starts a node that
			// stops at once, and the test fails instead of hanging.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errb bytes.Buffer
			code := run(ctx, tc.args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}

// TestVersion: --version prints the code the binary runs, with the Go release that
// built it, and exits 0 without the flags a node needs to start.
func TestVersion(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"--version"}, &out, &errs)
	if code != 0 || !strings.HasPrefix(out.String(), "ensnode ") || !strings.HasSuffix(out.String(), " "+runtime.Version()+"\n") || errs.Len() != 0 {
		t.Errorf("exit %d, out %q, err %q; want 0 and \"ensnode VERSION %s\"", code, out.String(), errs.String(), runtime.Version())
	}
}

// TestHelp: -h and --help print the usage and the flags on stdout and exit 0, asked
// for as they are; the usage after an error (no flags) goes to stderr, exit 2.
func TestHelp(t *testing.T) {
	for _, h := range []string{"-h", "--help"} {
		var out, errs bytes.Buffer
		code := run(context.Background(), []string{h}, &out, &errs)
		if code != 0 || !strings.HasPrefix(out.String(), "usage: ensnode --id ID") || !strings.Contains(out.String(), "  --peers") || errs.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and the usage and flags on stdout", h, code, out.String(), errs.String())
		}
	}
	var out, errs bytes.Buffer
	if code := run(context.Background(), nil, &out, &errs); code != 2 || out.Len() != 0 || !strings.Contains(errs.String(), "ensnode: usage: --id") {
		t.Errorf("no flags: exit %d, stdout %q, stderr %q; want 2 and the usage error on stderr", code, out.String(), errs.String())
	}
}

// TestFlagBounds: the ends of the ranges that the flags' messages give are taken:
// --peer-rate 0.001 and 1e9, --mailbox up to its limit for --routers, --reply-hold 0
// (no reply kept), --max-handshakes 1 and --service 0.
func TestFlagBounds(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	base := []string{"--id", "n1", "--peers", "n1=127.0.0.1:1", "--secret-file", secret}
	for _, flags := range [][]string{
		{"--peer-rate", "0.001"}, {"--peer-rate", "1e9"},
		{"--mailbox", "149796"}, {"--routers", "1024", "--mailbox", "1024"}, {"--mailbox", "1"},
		{"--reply-hold", "0"}, {"--max-handshakes", "1"}, {"--service", "0"},
	} {
		if _, err := parse(append(append([]string{}, base...), flags...), io.Discard); err != nil {
			t.Errorf("%v: %v, want it taken", flags, err)
		}
	}
}
