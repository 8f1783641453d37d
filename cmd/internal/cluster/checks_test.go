package cluster_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// resolveWith parses args (after a --secret-file holding secret) into fresh Options
// and resolves them.
func resolveWith(t *testing.T, secret string, args ...string) (*cluster.Options, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	o := &cluster.Options{}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o.Register(fs)
	if err := fs.Parse(append([]string{"--secret-file", file}, args...)); err != nil {
		t.Fatal(err)
	}
	return o, o.Resolve(fs)
}

// TestTLSFlagsTogether: a certificate without its key, a key without its
// certificate, or a CA without either is refused: a node given --tls-key alone would
// otherwise run without TLS, and say nothing.
func TestTLSFlagsTogether(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--tls-key", "n1.key"}, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-cert", "n1.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-ca", "ca.pem"}, "--tls-ca needs --tls-cert and --tls-key"},
	} {
		_, err := resolveWith(t, "long-enough-secret", append([]string{"--peers", "n1=127.0.0.1:1"}, tc.flags...)...)
		if !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want ErrUsage and %q", tc.flags, err, tc.want)
		}
	}
}

// TestEmptySemanticsFlag: --semantics "" is refused, as the config file's
// "semantics": "" is: read as default, it would run default, but state "" in its
// settings, and every node of default would report it as configured otherwise.
func TestEmptySemanticsFlag(t *testing.T) {
	_, err := resolveWith(t, "long-enough-secret", "--peers", "n1=127.0.0.1:7001", "--semantics", "")
	if want := "--semantics is empty: want default or riak"; !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want) {
		t.Errorf("--semantics \"\": %v, want ErrUsage and %q", err, want)
	}
	if _, err := resolveWith(t, "long-enough-secret", "--peers", "n1=127.0.0.1:7001", "--semantics", "riak"); err != nil {
		t.Errorf("--semantics riak: %v", err)
	}
}

// TestSecretFile: the secret is the file's text without the white space around it
// (a file written by echo ends in a newline, which a file written otherwise on
// another node does not have), and it has at least 8 bytes.
func TestSecretFile(t *testing.T) {
	for _, tc := range []struct {
		file, want, err string
	}{
		{"long-enough-secret\n", "long-enough-secret", ""},
		{"  long-enough-secret \r\n", "long-enough-secret", ""},
		{"12345678", "12345678", ""},
		{"1234567", "", "the secret has 7 bytes, want at least 8"},
		{"1234567\n", "", "the secret has 7 bytes, want at least 8"},
	} {
		o, err := resolveWith(t, tc.file, "--peers", "n1=127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := o.Secret()
		switch {
		case tc.err == "" && (err != nil || string(got) != tc.want):
			t.Errorf("secret file %q: %q, %v; want %q", tc.file, got, err, tc.want)
		case tc.err != "" && (!errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("secret file %q: %q, %v; want ErrUsage and %q", tc.file, got, err, tc.err)
		}
	}
}

// TestCheckAddr: a port is a number from 1 to 65535, or 0 for an address to listen
// on (the system picks one); a dial address needs a host.
func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		listen bool
		want   string // "" for none
	}{
		{"h:65535", false, ""},
		{"h:1", false, ""},
		{"h:65536", false, `port "65536" is not a number from 1 to 65535`},
		{"h:0", false, `port "0" is not a number from 1 to 65535`},
		{"h:0", true, ""},
		{":7001", true, ""},
		{":65536", true, `port "65536" is not a number from 0 to 65535`},
		{":7001", false, "the address needs a host"},
		{"h", false, "want host:port"},
	} {
		err := cluster.CheckAddr("--x", tc.addr, tc.listen)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q (listen %v): %v, want no error", tc.addr, tc.listen, err)
		case tc.want != "" && (!errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q (listen %v): %v, want ErrUsage and %q", tc.addr, tc.listen, err, tc.want)
		}
	}
}

// TestCheckName: names carry no white space, control characters, "=" or ",", and
// are valid UTF-8 of at most MaxName bytes.
func TestCheckName(t *testing.T) {
	for name, want := range map[string]string{
		"n1":                      "",
		"nœud-1.example":          "",
		"a\x00b":                  `'\x00' is not allowed`,
		"a\x7fb":                  `'\x7f' is not allowed`,
		"a b":                     `' ' is not allowed`,
		"a\u00a0b":                `'\u00a0' is not allowed`,
		"a=b":                     `'=' is not allowed`,
		"a,b":                     `',' is not allowed`,
		"a\xffb":                  "not valid UTF-8",
		"":                        "empty",
		strings.Repeat("n", 1025): "1025 bytes, the longest name is 1024",
	} {
		err := cluster.CheckName("node", name)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v, want no error", name, err)
		case want != "" && (!errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want ErrUsage and %q", name, err, want)
		}
	}
}
