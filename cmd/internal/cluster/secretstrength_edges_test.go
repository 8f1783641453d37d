package cluster_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// TestPlainSecretRefused: a secret of 8 bytes or more of one or two byte values (a
// run of one character, a file of NUL bytes, two characters repeated) is refused
// with an error naming the flag and the file and saying why, never showing the
// secret; so is such an accepted secret, at start and at a reload (both read the
// files through Credentials). Secrets of 3 different bytes or more pass, as random
// ones do (8 hex digits, and the README's 32 random bytes in base64).
func TestPlainSecretRefused(t *testing.T) {
	for _, tc := range []struct {
		secret string
		err    string // "" for none
	}{
		{"aaaaaaaaaaaaaaaaaaaaaaaa", "the secret has 24 bytes but only 1 different ones, want at least 3"},
		{"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "the secret has 16 bytes but only 1 different ones"},
		{"abababababab", "only 2 different ones"},
		{"abcabcab", ""},
		{"3f9a0c3f", ""},
		{"12345678", ""},
		{"long-enough-secret", ""},
		{"q0T8m1vY5lI3h2xW9bN4cR7eZ6aK0sD1fG2jH3kL4pM=", ""},
	} {
		o, err := resolveWith(t, tc.secret, "--peers", "n1=127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.Secret()
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("secret %q: %v, want it taken", tc.secret, err)
		case tc.err != "" && (!errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), tc.err) ||
			!strings.Contains(err.Error(), "--secret-file "+o.SecretFile) || !strings.Contains(err.Error(), "head -c 32 /dev/urandom")):
			t.Errorf("secret %q: %v; want ErrUsage naming --secret-file and its file, with %q", tc.secret, err, tc.err)
		case tc.err != "" && strings.Contains(err.Error(), tc.secret):
			t.Errorf("secret %q: the error shows the secret: %v", tc.secret, err)
		}
	}

	o, err := resolveWith(t, "long-enough-secret", "--peers", "n1=127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "accepted")
	if err := os.WriteFile(plain, []byte("zzzzzzzzzzzz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o.AcceptSecretFiles = append(o.AcceptSecretFiles, plain)
	if _, err := o.Credentials(); !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), "--accept-secret-file "+plain+": the secret has 12 bytes but only 1 different ones") {
		t.Errorf("a plain accepted secret: %v, want ErrUsage naming --accept-secret-file and its file", err)
	}
}
