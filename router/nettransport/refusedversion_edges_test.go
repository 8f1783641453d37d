package nettransport

import (
	"strings"
	"testing"
)

// TestVersionRefusalInOwnVersion: a version refusal whose header carries this node's
// own version (a node that answers in the version it was sent) tells nothing of the
// other side's: the error must not claim the other side speaks this node's version,
// which would read as "version 1, this node 1".
func TestVersionRefusalInOwnVersion(t *testing.T) {
	for _, tc := range []struct {
		version uint8
		want    string // in the error; "" for no mention of versions
	}{
		{0, ""},
		{Version, ""},
		{Version + 1, "it speaks protocol version 2, this node 1"},
	} {
		msg := (&RefusedError{Code: RefuseVersion, Version: tc.version}).Error()
		if !strings.Contains(msg, "protocol version mismatch") {
			t.Errorf("version %d: %q does not name the refusal", tc.version, msg)
		}
		switch {
		case tc.want == "" && strings.Contains(msg, "it speaks"):
			t.Errorf("version %d: %q names the other side's version", tc.version, msg)
		case tc.want != "" && !strings.Contains(msg, tc.want):
			t.Errorf("version %d: %q, want %q", tc.version, msg, tc.want)
		}
	}
}
