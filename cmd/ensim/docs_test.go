package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/mdsection"
)

// readme returns the repository's README.md.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestREADMEReplayExample: the replay README.md shows under "A real shrunk repro"
// prints the trace hash line the README quotes, as it does today: the repro was
// written before the v4 trace hash, so the hashes are of two formats and not
// compared.
func TestREADMEReplayExample(t *testing.T) {
	text := readme(t)
	cmd := regexp.MustCompile(`(?m)^\$ go run \./cmd/ensim replay (\S+\.json)`).FindStringSubmatch(text)
	lineRE := `(?m)^trace hash not compared: the repro's is in the format before v4 \(SHA-256\): was ([0-9a-f.]+), now ([0-9a-f.]+) \(v4, xxh3-128\)$`
	hash := regexp.MustCompile(lineRE).FindStringSubmatch(text)
	if cmd == nil || hash == nil {
		t.Fatal("README.md has no replay example with its trace hash line")
	}
	code, stdout, stderr := ensim(t, "replay", filepath.Join("..", "..", cmd[1]))
	if code != exitOK {
		t.Fatalf("replay %s: exit %d\n%s", cmd[1], code, stderr)
	}
	line := regexp.MustCompile(lineRE).FindStringSubmatch(stdout)
	if line == nil {
		t.Fatalf("replay %s does not report a hash of the format before v4:\n%s", cmd[1], stdout)
	}
	for i, what := range []string{"recorded", "current"} {
		if doc := strings.TrimSuffix(hash[i+1], "..."); len(doc) < 8 || !strings.HasPrefix(line[i+1], doc) {
			t.Errorf("%s hash: README.md says %s, replay prints %s", what, hash[i+1], line[i+1])
		}
	}
}

// TestUsageListsEveryFlag: ensim --help's overview shows, for each command, every
// flag its own synopsis (ensim help COMMAND) shows (the overview may shorten a
// flag's argument: [--semantics MODE]), alternatives included ([--call ID | --cast NAME]).
func TestUsageListsEveryFlag(t *testing.T) {
	flag := regexp.MustCompile(`(?:\[| \| )--[a-z-]+`)
	for name, c := range commands {
		// The command's block in the overview: from its line to the next command's.
		i := strings.Index(usageText, "\n  "+name+" ")
		if i < 0 {
			t.Errorf("%s: not in the overview", name)
			continue
		}
		block := usageText[i+1:]
		if j := regexp.MustCompile(`\n  [a-z]`).FindStringIndex(block[1:]); j != nil {
			block = block[:j[0]+1]
		}
		for _, f := range flag.FindAllString(c.synopsis, -1) {
			if !strings.Contains(block, f) {
				t.Errorf("%s: the overview lacks %q, which %q shows", name, f, c.synopsis)
			}
		}
	}
}

// TestREADMEJSONSummary: the fields README.md's "The JSON summary" table lists are the
// keys ensim run --json prints; a field printed only sometimes must say it is
// omitted otherwise.
func TestREADMEJSONSummary(t *testing.T) {
	documented := fieldTable(t, "### The JSON summary")
	printed := printedKeys(t, "run", "--scenario", "steady", "--json")
	for k := range printed {
		if _, ok := documented[k]; !ok {
			t.Errorf("ensim run --json prints %q, which README.md does not document", k)
		}
	}
	for f, meaning := range documented {
		if !printed[f] && !strings.Contains(meaning, "omitted") {
			t.Errorf("README.md documents %q, which ensim run --json did not print, without saying when it is omitted", f)
		}
	}
}

// fieldTable returns the fields listed in the first cell of the rows of README.md's
// tables under heading (`a`, `b`), each with its row's meaning; it fails the test if
// it finds fewer than 15, which would say that the test no longer reads the table.
func fieldTable(t *testing.T, heading string) map[string]string {
	t.Helper()
	text, err := mdsection.Of(readme(t), heading)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	row := regexp.MustCompile("^\\| ((?:`[a-z_]+`(?:, )?)+) \\| (.*) \\|$")
	documented := map[string]string{} // field: its row's meaning
	for _, line := range strings.Split(text, "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			for _, f := range strings.Split(m[1], ", ") {
				documented[strings.Trim(f, "`")] = m[2]
			}
		}
	}
	if len(documented) < 15 {
		t.Fatalf("parsed %d fields from README.md's table under %q: fix the test", len(documented), heading)
	}
	return documented
}

// printedKeys runs ensim with args, which must succeed and print one JSON object, and
// returns the object's keys.
func printedKeys(t *testing.T, args ...string) map[string]bool {
	t.Helper()
	code, stdout, stderr := ensim(t, args...)
	if code != exitOK {
		t.Fatalf("ensim %v: exit %d\n%s", args, code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[k] = true
	}
	return keys
}

// TestBENCHMARKSCommands: the commands BENCHMARKS.md gives run the ensim they build
// (./ensim, not one on the PATH), and count instructions at GOGC=off, as its figures
// were taken.
func TestBENCHMARKSCommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "BENCHMARKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := mdsection.Of(string(data), "## Commands")
	if err != nil {
		t.Fatalf("BENCHMARKS.md: %v", err)
	}
	env := regexp.MustCompile(`^(?:[A-Z_]+=\S+ +)*`)
	ensims, valgrinds := 0, 0
	for _, line := range strings.Split(text, "\n") {
		for _, seg := range strings.Split(line, "|") {
			seg = strings.TrimLeft(seg, " (")
			vars := env.FindString(seg)
			cmd := strings.TrimPrefix(seg[len(vars):], "/usr/bin/time -v ")
			switch {
			case strings.HasPrefix(cmd, "ensim "):
				t.Errorf("runs an ensim from the PATH, not the one built: %s", line)
			case strings.HasPrefix(cmd, "./ensim "):
				ensims++
			case strings.HasPrefix(cmd, "valgrind "):
				valgrinds++
				if !strings.Contains(vars, "GOGC=off ") {
					t.Errorf("counts instructions without GOGC=off: %s", line)
				}
			}
		}
	}
	if ensims < 5 || valgrinds < 2 {
		t.Fatalf("found %d ./ensim and %d valgrind commands in BENCHMARKS.md: fix the test", ensims, valgrinds)
	}
}

// TestREADMECompareTables: each table under "Riak versus ensroute" is the real output
// of the ensim compare command above it, as the README says, but for events/s.
func TestREADMECompareTables(t *testing.T) {
	text, err := mdsection.Of(readme(t), "## Riak versus ensroute")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	examples := regexp.MustCompile("(?s)```\n\\$ go run \\./cmd/ensim (compare [^\n]*)\n(.*?)```").FindAllStringSubmatch(text, -1)
	if len(examples) < 3 {
		t.Fatalf("found %d examples of ensim compare in README.md: fix the test", len(examples))
	}
	speed := regexp.MustCompile(`(?m)^events/s .*\n`)
	for _, ex := range examples {
		code, stdout, stderr := ensim(t, strings.Fields(ex[1])...)
		if code != exitOK {
			t.Errorf("%s: exit %d\n%s", ex[1], code, stderr)
			continue
		}
		if got, want := speed.ReplaceAllString(stdout, ""), speed.ReplaceAllString(ex[2], ""); got != want {
			t.Errorf("%s prints\n%s\nREADME.md shows\n%s", ex[1], got, want)
		}
	}
}
