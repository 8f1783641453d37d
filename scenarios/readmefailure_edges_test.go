package scenarios_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/internal/mdsection"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// TestREADMEFailureRerunLine: the failure README.md shows under "When it fails" is
// what the command it names printed ("ENSROUTE_INJECT=drop-hop-count go test
// ./scenarios -run '^TestPropInvariants$' -rapid.checks=3000 ... with -rapid.seed=1
// printed the failure above"): its rerun line, for a run that set -rapid.checks,
// carries that flag into the rerun by seed, which the README left out.
func TestREADMEFailureRerunLine(t *testing.T) {
	section, err := mdsection.Of(readmeDoc(t), "### When it fails")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile("`(ENSROUTE_INJECT=([a-z-]+) go test ./scenarios -run '\\^(TestPropInvariants)\\$'( -rapid.checks=([0-9]+))?)`").FindStringSubmatch(section)
	if cmd == nil {
		t.Fatal(`"When it fails" names no command that printed its failure: fix the test`)
	}
	shown := regexp.MustCompile(`(?m)^ *(rerun this property on the same case: .*)$`).FindStringSubmatch(section)
	if shown == nil {
		t.Fatal(`"When it fails" shows no rerun line: fix the test`)
	}
	bug, ok := bugs.Parse(cmd[2])
	if !ok {
		t.Fatalf("the README's command injects %q, no bug of internal/bugs", cmd[2])
	}
	if cmd[5] != "" {
		f := flag.Lookup("rapid.checks")
		old := f.Value.String()
		if err := flag.Set("rapid.checks", cmd[5]); err != nil {
			t.Fatal(err)
		}
		defer flag.Set("rapid.checks", old)
	}
	cfg := propConfig{name: cmd[3], bugs: bugs.Of(bug), bugsFromEnv: true}
	text := failureText(cfg, scenarios.Spec{}, 0, router.Default, nil, "/tmp/repro.json", nil)
	got := text[strings.LastIndex(text, "\n")+1:]
	if got != shown[1] {
		t.Errorf("README.md's rerun line, for %s:\n%s\nthe test prints:\n%s", cmd[1], shown[1], got)
	}
}

func readmeDoc(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
