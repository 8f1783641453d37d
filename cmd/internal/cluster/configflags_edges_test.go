package cluster_test

import (
	"os"
	"strings"
	"testing"
)

// TestConfigChangedCheckedWithFlags: at a SIGHUP a --config file that changed is
// checked as the next start would check it, with the flags the node was started
// with: a heartbeat_interval that a --heartbeat-timeout flag is not above, or an
// ensemble naming a node that is not a member of a --peers flag, is an error (the
// start would refuse it, exit 2), not a change for a restart to apply.
func TestConfigChangedCheckedWithFlags(t *testing.T) {
	for _, tc := range []struct {
		name, start, then string
		flags             []string
		err               string
	}{
		{name: "file's interval against a flag's timeout",
			start: `{` + onePeer + `, "heartbeat_interval": "2s"}`, flags: []string{"--heartbeat-timeout", "5s"},
			then: `{` + onePeer + `, "heartbeat_interval": "6s"}`,
			err:  "--heartbeat-timeout 5s: want more than heartbeat_interval 6s of --config "},
		{name: "file's backoff_min against a flag's backoff-max",
			start: `{` + onePeer + `}`, flags: []string{"--backoff-max", "1s"},
			then: `{` + onePeer + `, "backoff_min": "3s"}`,
			err:  "--backoff-max 1s: want at least backoff_min 3s of --config "},
		{name: "file's ensemble against the flag's peers",
			start: `{"ensembles": [{"id": "e1", "members": ["n1"]}]}`, flags: []string{"--peers", "n1=127.0.0.1:7001"},
			then: `{"ensembles": [{"id": "e1", "members": ["n9"]}]}`,
			err:  "n9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, file, err := resolveConfig(t, tc.start, tc.flags...)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(tc.then), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, startErr := resolveConfig(t, tc.then, tc.flags...)
			if startErr == nil {
				t.Fatalf("a start with %s and %q taken; the case wants one it refuses", tc.then, tc.flags)
			}
			changed, err := o.ConfigChanged(nil)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ConfigChanged: %q, %v; want the error a start gives (%v), with %q", changed, err, startErr, tc.err)
			}
		})
	}
}
