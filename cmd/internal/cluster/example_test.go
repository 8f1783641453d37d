package cluster_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// An ensemble on the command line: its members, the first of which leads.
func ExampleParseEnsemble() {
	e, _ := cluster.ParseEnsemble("e1=n1,n2,n3")
	fmt.Println(e.ID, e.Members, "led by", e.Leader)
	// Output:
	// e1 [n1 n2 n3] led by n1
}

func TestParsePeers(t *testing.T) {
	got, err := cluster.ParsePeers("n1=127.0.0.1:7001, n2=127.0.0.1:7002")
	if err != nil || len(got) != 2 || got["n2"] != "127.0.0.1:7002" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"n1", "n1=", "=a:1", "n1=a:1,n1=b:2", "n1=localhost"} {
		if _, err := cluster.ParsePeers(bad); !errors.Is(err, cluster.ErrUsage) {
			t.Errorf("ParsePeers(%q): %v, want ErrUsage", bad, err)
		}
	}
}

// TestConfigBadValues: a config file's bad value is refused, naming the file and the
// key, whether or not a flag overrides it (a flag used to hide it, until a run
// without the flag tripped on it), and before any required flag is missed. A key
// given with its zero value ("cluster": "", "routers": 0, "semantics": "") or null
// ("peers": null, which was taken as absent) is refused, where it used to mean the
// default, unlike the same value given as a flag.
func TestConfigBadValues(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	const peers = `"peers": {"n1": "127.0.0.1:1"}, `
	for _, tc := range []struct {
		name, file string
		flags      []string // a flag that overrides the bad key, and the rest
		want       string
	}{
		{"empty cluster", peers + `"cluster": ""`, []string{"--cluster", "c1"}, `cluster is "": want a cluster name`},
		{"zero routers", peers + `"routers": 0`, []string{"--routers", "3"}, "routers is 0: want 1..1024"},
		{"empty semantics", peers + `"semantics": ""`, []string{"--semantics", "riak"}, `semantics is "": want default or riak`},
		{"negative routers", peers + `"routers": -3`, []string{"--routers", "5"}, "routers -3: want 1..1024"},
		{"bad semantics", peers + `"semantics": "erlang"`, []string{"--semantics", "riak"}, `semantics "erlang": want default or riak`},
		{"long cluster", peers + `"cluster": "` + strings.Repeat("c", 1025) + `"`, []string{"--cluster", "c1"}, "1025 bytes, the longest cluster name is 1024"},
		{"null peers", `"peers": null`, []string{"--peers", "n1=127.0.0.1:1"}, "peers is null: want an object of node ids and their host:port"},
		{"bad peer address", `"peers": {"n1": "127.0.0.1:http"}`, []string{"--peers", "n1=127.0.0.1:1"}, `peers: n1 "127.0.0.1:http": port "http" is not a number`},
		{"null ensembles", peers + `"ensembles": null`, []string{"--ensemble", "e1=n1"}, "ensembles is null: want a list of ensembles"},
		{"stray member", `"peers": {"n1": "127.0.0.1:1"}, "ensembles": [{"id": "e1", "members": ["n7"]}]`, []string{"--ensemble", "e1=n1"}, "ensembles: ensemble e1: member n7 is not in --config " + filepath.Join(dir, "stray member.json") + ": peers"},
		{"bad routers, no peers", `"routers": -3`, nil, "routers -3: want 1..1024"},
		{"empty leader", peers + `"ensembles": [{"id": "e1", "members": ["n1"]}, {"id": "e2", "members": ["n1"], "leader": ""}]`, []string{"--ensemble", "e1=n1"}, `ensembles: ensemble e2: leader is "": want one of its members (leave the key out for the first)`},
		{"leader not a member", `"peers": {"n1": "127.0.0.1:1", "n2": "127.0.0.1:2"}, "ensembles": [{"id": "e1", "members": ["n1"], "leader": "n2"}]`, []string{"--ensemble", "e1=n1"}, "ensembles: ensemble e1: leader n2 is not a member"},
		{"null leader", peers + `"ensembles": [{"id": "e1", "members": ["n1"], "leader": null}]`, []string{"--ensemble", "e1=n1"}, "ensembles: ensemble e1: leader is null"},
	} {
		conf := filepath.Join(dir, tc.name+".json")
		if err := os.WriteFile(conf, []byte(`{`+tc.file+`}`), 0o600); err != nil {
			t.Fatal(err)
		}
		resolve := func(extra ...string) error {
			var o cluster.Options
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			o.Register(fs)
			if err := fs.Parse(append([]string{"--config", conf}, extra...)); err != nil {
				t.Fatal(err)
			}
			return o.Resolve(fs)
		}
		want := "--config " + conf + ": " + tc.want
		if tc.name == "long cluster" {
			want = tc.want
		}
		if err := resolve("--secret-file", secret); !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want ErrUsage and %q", tc.name, err, want)
		}
		// The same file saved with a byte-order mark: every check of the file's own
		// values reads through it.
		if err := os.WriteFile(conf, []byte("\xef\xbb\xbf{"+tc.file+"}"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := resolve("--secret-file", secret); !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s, after a byte-order mark: %v, want ErrUsage and %q", tc.name, err, want)
		}
		if tc.flags == nil {
			// No peers, no secret file: the bad value is named, not the flags missing.
			if err := resolve(); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s without the required flags: %v, want %q", tc.name, err, want)
			}
			continue
		}
		if err := resolve(append([]string{"--secret-file", secret}, tc.flags...)...); !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s with %v: %v, want ErrUsage and %q: a flag does not hide a bad value", tc.name, tc.flags, err, want)
		}
	}
}

// TestSharedAddress: two members given two spellings of one address are refused, as
// two given the same text are (a node told its own address for another member dials
// itself for ever); addresses that differ are not; a port with a sign is no port.
func TestSharedAddress(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	resolve := func(peers string) error {
		var o cluster.Options
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		o.Register(fs)
		if err := fs.Parse([]string{"--peers", peers, "--secret-file", secret}); err != nil {
			t.Fatal(err)
		}
		return o.Resolve(fs)
	}
	for peers, want := range map[string]string{
		"n1=127.0.0.1:7490,n2=127.0.0.1:7490":               "n1 and n2 share the address 127.0.0.1:7490",
		"n1=localhost:7490,n2=127.0.0.1:7490":               "n1 and n2 share an address: localhost:7490 and 127.0.0.1:7490 are one",
		"n1=127.0.0.1:7490,n2=127.0.0.1:07490":              "share an address",
		"n1=[::ffff:127.0.0.1]:1,n2=127.0.0.1:1":            "share an address",
		"n1=Host.Example:1,n2=host.example.:1":              "share an address",
		"n1=[::1]:1,n2=[0:0:0:0:0:0:0:1]:1":                 "share an address",
		"n1=127.0.0.1:+7401":                                `port "+7401" is not a number`,
		"n1=127.0.0.1:7490,n2=127.0.0.2:7490":               "",
		"n1=localhost:7490,n2=localhost:7491":               "",
		"n1=a.example:7490,n2=b.example:7490,n3=[::1]:7490": "",
	} {
		err := resolve(peers)
		switch {
		case want == "" && err != nil:
			t.Errorf("--peers %s: %v, want no error", peers, err)
		case want != "" && (!errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want)):
			t.Errorf("--peers %s: %v, want ErrUsage and %q", peers, err, want)
		}
	}
}
