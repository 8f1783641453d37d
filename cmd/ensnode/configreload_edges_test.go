package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
)

// TestSIGHUPWarnsOfChangedConfig: a SIGHUP reloads the credentials' files alone, and a
// node started with --config runs on with the cluster's shape it started with. An
// operator who edits the file (a member added) and sends SIGHUP read only "reloaded";
// the node now warns that the file changed and was not applied, naming the keys
// that differ (those no flag overrides), and warns of a file it could no longer start
// with. A file that says the same in another layout is no change; nor is a change of
// a key a flag overrides, nor a default spelled out (the first member as leader).
func TestSIGHUPWarnsOfChangedConfig(t *testing.T) {
	secret, config, write := configFiles(t)
	a1, a2, a3 := realcluster.FreeAddr(), realcluster.FreeAddr(), realcluster.FreeAddr()
	start := `{"peers": {"n1": "` + a1 + `", "n2": "` + a2 + `"}, "ensembles": [{"id": "e1", "members": ["n1", "n2"]}], "semantics": "riak"}`
	sameOtherLayout := `{"semantics": "riak",
  "ensembles": [{"members": ["n1", "n2"], "id": "e1"}],
  "peers": {"n2": "` + a2 + `", "n1": "` + a1 + `"}}`
	added := `{"peers": {"n1": "` + a1 + `", "n2": "` + a2 + `", "n3": "` + a3 + `"}, "ensembles": [{"id": "e1", "members": ["n1", "n2"]}, {"id": "e3", "members": ["n3", "n1"]}], "semantics": "riak"}`
	for _, tc := range []struct {
		name  string
		flags []string
		then  string
		want  string // in the log; "" for nothing logged
	}{
		{name: "unchanged", then: start},
		{name: "same, another layout", then: sameOtherLayout},
		{name: "defaults spelled out", then: `{"cluster": "ensroute", "routers": ` + strconv.Itoa(router.DefaultRouters) + `, "semantics": "riak",
  "peers": {"n1": "` + a1 + `", "n2": "` + a2 + `"}, "ensembles": [{"id": "e1", "members": ["n1", "n2"], "leader": "n1"}]}`},
		{name: "leader moved", then: strings.Replace(start, `"members": ["n1", "n2"]`, `"members": ["n1", "n2"], "leader": "n2"`, 1), want: "changed=ensembles\n"},
		{name: "member added", then: added, want: `level=WARN msg="SIGHUP: the --config file has changed since the node started, and a SIGHUP does not apply it: the node runs on as it started; restart it to apply the file (see Rolling restarts)" config=` + config + ` changed=peers,ensembles`},
		{name: "semantics changed", then: strings.Replace(start, "riak", "default", 1), want: "changed=semantics\n"},
		{name: "overridden by flags", flags: []string{"--peers", "n1=" + a1 + ",n2=" + a2 + ",n3=" + a3, "--semantics", "riak"},
			then: strings.Replace(added, "riak", "default", 1), want: "changed=ensembles\n"},
		{name: "broken", then: `{"peers": `, want: `level=WARN msg="SIGHUP: the --config file cannot be read as a configuration now; the node runs on as it started, but would not start with the file as it is" config=` + config + ` err="--config ` + config + `: malformed JSON`},
		// Files the start refuses for this node's own flags, not for the file alone: a
		// restart "to apply the file" would fail, exit 2. They were warned of as changes.
		{name: "this node left out", then: `{"peers": {"n2": "` + a2 + `", "n3": "` + a3 + `"}, "ensembles": [{"id": "e1", "members": ["n2", "n3"]}], "semantics": "riak"}`,
			want: `would not start with the file as it is" config=` + config + ` err="--id n1 is not in --config ` + config + `: peers"`},
		{name: "a member at the admin port", then: strings.Replace(start, a2, "127.0.0.1:9100", 1),
			want: `would not start with the file as it is" config=` + config + ` err="--admin 127.0.0.1:9100: that is n2's address in --config ` + config + `: peers`},
		{name: "routers past what --mailbox allows", flags: []string{"--mailbox", "100000"}, then: strings.Replace(start, `"semantics"`, `"routers": 64, "semantics"`, 1),
			want: `would not start with the file as it is" config=` + config + ` err="--mailbox 100000: want 1..16384 (with --config ` + config + `: routers 64:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(start)
			o, err := parse(append([]string{"--id", "n1", "--config", config, "--secret-file", secret}, tc.flags...), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			write(tc.then)
			var logs bytes.Buffer
			(&node{o: o}).checkConfig(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}})))
			switch got := logs.String(); {
			case tc.want == "" && got != "":
				t.Errorf("logged %q; want nothing", got)
			case !strings.Contains(got, tc.want):
				t.Errorf("logged %q\nwant it to hold %q", got, tc.want)
			case tc.want != "" && strings.Count(got, "\n") != 1:
				t.Errorf("logged %q; want one line", got)
			}
		})
	}
}

// TestSIGHUPConfigChangedProcess: the same through a SIGHUP to an ensnode process
// started with --config (its --peers and --ensemble flags override the file's, its
// semantics come from the file): the reload of the credentials is logged as before,
// and the changed semantics are warned of, not applied.
func TestSIGHUPConfigChangedProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	config := filepath.Join(c.dir, "cluster.json")
	if err := os.WriteFile(config, []byte(`{"semantics": "riak"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.startAlone(n1, "--config", config)
	c.logged(n1, "msg=ready", "semantics=riak")
	if err := os.WriteFile(config, []byte(`{"semantics": "default"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded")
	c.logged(n1, "level=WARN", "SIGHUP: the --config file has changed since the node started, and a SIGHUP does not apply it", "changed=semantics")
	if o := c.ctl("call", "--semantics", "riak", "e2", "get", "k"); o.exit != 0 {
		t.Fatalf("a call after SIGHUP: %+v", o)
	}
}

// configFiles makes a secret file and names a --config file in a directory of the
// test's, with write to (re)write the config file.
func configFiles(t *testing.T) (secret, config string, write func(string)) {
	t.Helper()
	dir := t.TempDir()
	secret, config = filepath.Join(dir, "secret"), filepath.Join(dir, "cluster.json")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	return secret, config, func(s string) {
		t.Helper()
		if err := os.WriteFile(config, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
