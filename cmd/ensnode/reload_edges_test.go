package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestReloadFiles: the files a SIGHUP reload reads, which its warning that it waits
// on them names, are the --secret-file first, each --accept-secret-file, then the
// --tls-cert, --tls-key and --tls-ca given, in that order.
func TestReloadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte("long-enough-secret"), 0o600)
		return p
	}
	secret, old1, old2 := write("secret"), write("old1"), write("old2")
	ca := testcerts.Write(t, dir, "n1")
	cert, key := filepath.Join(dir, "n1.pem"), filepath.Join(dir, "n1.key")
	base := []string{"--id", "n1", "--peers", "n1=" + realcluster.FreeAddr(), "--secret-file", secret}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{name: "secret only", want: []string{secret}},
		{name: "accepted secrets", args: []string{"--accept-secret-file", old1, "--accept-secret-file", old2}, want: []string{secret, old1, old2}},
		{name: "tls", args: []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca, "--accept-secret-file", old1},
			want: []string{secret, old1, cert, key, ca}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parse(append(append([]string{}, base...), tc.args...), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, (&node{o: o}).reloadFiles()); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}
