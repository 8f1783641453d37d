package cluster_test

import (
	"errors"
	"fmt"
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
