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

// TestConfigZeroValues: a config file's key given with its zero value ("cluster": "",
// "routers": 0, "semantics": "") is refused, where it used to mean the default,
// unlike the same value given as a flag; a flag given as well overrides the key, as
// it does any key.
func TestConfigZeroValues(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ key, value, flag, flagValue, want string }{
		{"cluster", `""`, "cluster", "c1", `cluster is "": want a cluster name`},
		{"routers", "0", "routers", "3", "routers is 0: want 1..1024"},
		{"semantics", `""`, "semantics", "riak", `semantics is "": want default or riak`},
	} {
		conf := filepath.Join(dir, tc.key+".json")
		if err := os.WriteFile(conf, []byte(`{"peers": {"n1": "127.0.0.1:1"}, "`+tc.key+`": `+tc.value+`}`), 0o600); err != nil {
			t.Fatal(err)
		}
		resolve := func(extra ...string) error {
			var o cluster.Options
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			o.Register(fs)
			if err := fs.Parse(append([]string{"--config", conf, "--secret-file", secret}, extra...)); err != nil {
				t.Fatal(err)
			}
			return o.Resolve(fs)
		}
		if err := resolve(); !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrUsage and %q", tc.key, err, tc.want)
		}
		if err := resolve("--"+tc.flag, tc.flagValue); err != nil {
			t.Errorf("%s with --%s %s: %v, want the flag to override the key", tc.key, tc.flag, tc.flagValue, err)
		}
	}
}
