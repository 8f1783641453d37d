package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestUnansweredUnderRiak: a call that waited out its whole --timeout is explained by
// the client's connections, and under riak also by a node on the way that knew no
// leader of the ensemble (a mistyped name, say), which drops the request silently
// there; a riak timeout long before the deadline says once how long the call took.
func TestUnansweredUnderRiak(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := nettransport.New(nettransport.Config{ID: "c1", Cluster: "ensroute", Secret: []byte("0123456789abcdef"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, sem := range []string{"default", "riak"} {
		fs, cc := flags("call", io.Discard)
		if err := parseArgs(fs, cc, []string{"--peers", "n1=127.0.0.1:1", "--secret-file", secret, "--timeout", "1s", "--semantics", sem, "e9", "get", "k"},
			2, -1, "ENSEMBLE OP [ARGS...]"); err != nil {
			t.Fatal(err)
		}
		cl := &client{c: cc, tr: tr}
		waited := cl.unanswered("e9", router.ErrTimeout, time.Second).Error()
		dropped := strings.Contains(waited, "a node on the way knew no leader of e9")
		if !strings.Contains(waited, "no answer came") || dropped != (sem == "riak") {
			t.Errorf("%s, a whole timeout: %q; want no answer explained, and a dropped request as a cause under riak alone", sem, waited)
		}
		if sem == "riak" {
			err := report(cc, io.Discard, "e9", router.Result{Err: cl.unanswered("e9", router.ErrTimeout, 2*time.Millisecond)}, 2*time.Millisecond)
			if n := strings.Count(err.Error(), "after 2ms"); n != 1 {
				t.Errorf("an early timeout: %q; want how long it took said once", err)
			}
		}
	}
}
