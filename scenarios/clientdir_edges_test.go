package scenarios

import (
	"strings"
	"testing"
	"time"
)

// TestClientFaultsNeedADirectory: a client keeps no directory (it routes every
// call through a member), so a save of a client, or a restart of one with a saved
// or empty directory, would do nothing; a fault the run would ignore is refused, as
// a field a fault does not use is. A client's crash and plain restart are fine.
func TestClientFaultsNeedADirectory(t *testing.T) {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name   string
		faults []Fault
		want   string // "" for a spec that is taken
	}{
		{name: "crash and restart of a client", faults: []Fault{
			{At: ms(100), Action: "crash", Node: "c1"},
			{At: ms(200), Action: "restart", Node: "c1"},
		}},
		{name: "save of a member", faults: []Fault{{At: ms(100), Action: "save", Node: "n1"}}},
		{name: "save of a client", faults: []Fault{{At: ms(100), Action: "save", Node: "c1"}},
			want: `faults[0].node: "c1" is a client, which keeps no directory to save`},
		{name: "restart of a client with its saved directory", faults: []Fault{
			{At: ms(100), Action: "crash", Node: "c1"},
			{At: ms(200), Action: "restart", Node: "c1", Directory: "saved"},
		}, want: `faults[1].directory: saved, but "c1" is a client, which keeps no directory`},
		{name: "restart of a client with an empty directory", faults: []Fault{
			{At: ms(100), Action: "crash", Node: "c1"},
			{At: ms(200), Action: "restart", Node: "c1", Directory: "empty"},
		}, want: `faults[1].directory: empty, but "c1" is a client, which keeps no directory`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := Named("steady")
			if !ok {
				t.Fatal(`Named("steady") is missing`)
			}
			s.Liveness = nil
			s.Faults = tc.faults
			err := s.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("taken, want it refused with %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("refused with %q, want %q", err, tc.want)
			}
		})
	}
}
