package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/mdsection"
)

// TestREADMEListsEveryCommand: the list of commands at the head of README.md's ensim
// section names each command `ensim help` lists, help included: a reader of the
// README had no word of `ensim help run`, the one place each command's flags and
// their defaults are listed.
func TestREADMEListsEveryCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &errb); code != exitOK {
		t.Fatalf("help: exit %d, stderr %q", code, errb.String())
	}
	_, list, _ := strings.Cut(out.String(), "\ncommands:\n")
	list, _, _ = strings.Cut(list, "\n\n")
	cmds := regexp.MustCompile(`(?m)^  ([a-z]+)\b`).FindAllStringSubmatch(list, -1)
	if len(cmds) < 8 {
		t.Fatalf("ensim help lists %d commands: fix the test\n%s", len(cmds), out.String())
	}
	section, err := mdsection.Of(readme(t), "## ensim")
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(section, "```\n")
	block, _, _ = strings.Cut(block, "```")
	for _, c := range cmds {
		if !regexp.MustCompile(`(?m)^ensim ` + c[1] + `\b`).MatchString(block) {
			t.Errorf("README.md's list of ensim commands lacks %q, which ensim help lists", c[1])
		}
	}
}
