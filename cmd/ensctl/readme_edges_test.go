package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ensctlHelp is what `ensctl ARGS -h` prints: the usage line and the flags, with
// their defaults, as flag.PrintDefaults writes them.
func ensctlHelp(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), append(args, "-h"), &out, &errb); code != 0 {
		t.Fatalf("%v -h: exit %d, stderr %q", args, code, errb.String())
	}
	return out.String()
}

// flagDefaults parses the flags of a help text: name to default ("" when the help
// gives none).
func flagDefaults(help string) map[string]string {
	flags := map[string]string{}
	entry := regexp.MustCompile(`(?m)^  --([a-z-]+)(?: [a-z]+)?\n((?:    \t.*\n?)+)`)
	def := regexp.MustCompile(`\(default "?([^")]*)"?\)\s*$`)
	for _, m := range entry.FindAllStringSubmatch(help, -1) {
		d := ""
		if dm := def.FindStringSubmatch(strings.TrimSpace(m[2])); dm != nil {
			d = dm[1]
		}
		flags[m[1]] = d
	}
	return flags
}

func readmeText(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// A sentence may break its line anywhere: read the text as one line.
	return strings.Join(strings.Fields(string(data)), " ")
}

// TestREADMENamesEveryFlag: every flag of every ensctl command is named in README.md
// where an operator reads about it, as `--flag` (or `ensctl ... --flag`) in the
// text, not only in a command line of an example: ensctl's --id, which names the
// client node, was in no sentence, and a script that sets it had nothing to read.
func TestREADMENamesEveryFlag(t *testing.T) {
	doc := readmeText(t)
	for _, cmd := range [][]string{{"call"}, {"cast"}, {"leader", "get"}, {"leader", "set"}, {"leader", "drain"}, {"bench"}, {"scenario"}} {
		flags := flagDefaults(ensctlHelp(t, cmd...))
		if len(flags) < 6 {
			t.Fatalf("%v -h: found %d flags: fix the test", cmd, len(flags))
		}
		for name := range flags {
			named := regexp.MustCompile("`(?:ensctl [a-z ]*)?--" + regexp.QuoteMeta(name) + "\\b")
			if !named.MatchString(doc) {
				t.Errorf("README.md names no `--%s`, a flag of ensctl %s", name, strings.Join(cmd, " "))
			}
		}
	}
}

// TestREADMEGivesBenchDefaults: README.md gives the default of each flag of ensctl
// bench that has one, next to the flag, as bench -h does: --concurrency's 16 and
// --duration's 5s were in the help alone.
func TestREADMEGivesBenchDefaults(t *testing.T) {
	doc := strings.ReplaceAll(readmeText(t), "`", "")
	flags := flagDefaults(ensctlHelp(t, "bench"))
	for _, name := range []string{"concurrency", "duration", "event", "timeout", "connect-timeout"} {
		def, ok := flags[name]
		if !ok || def == "" {
			t.Fatalf("bench -h gives no default for --%s: fix the test", name)
		}
		q := regexp.QuoteMeta(def)
		near := regexp.MustCompile(`--` + regexp.QuoteMeta(name) + `\b[^.;]{0,80}?(?:default:? ` + q + `\b|\(` + q + ` by default)`)
		if !near.MatchString(doc) {
			t.Errorf("README.md does not give --%s's default, %s, next to it", name, def)
		}
	}
}
