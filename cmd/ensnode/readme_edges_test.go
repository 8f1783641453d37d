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

// TestREADMENamesEveryFlag: every flag of ensnode is named in README.md's text, as
// `--flag` (or `ensnode --flag`), where an operator reads what it does, not only in a
// command line of an example: --id, the one flag every node is started with, and
// --listen's default, the node's own address in --peers, were in no sentence.
func TestREADMENamesEveryFlag(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &out, &errs); code != 0 {
		t.Fatalf("-h: exit %d, stderr %q", code, errs.String())
	}
	flags := regexp.MustCompile(`(?m)^  --([a-z-]+)`).FindAllStringSubmatch(out.String(), -1)
	if len(flags) < 20 {
		t.Fatalf("-h lists %d flags: fix the test", len(flags))
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(data)), " ")
	for _, f := range flags {
		named := regexp.MustCompile("`(?:ensnode )?--" + regexp.QuoteMeta(f[1]) + "\\b")
		if !named.MatchString(doc) {
			t.Errorf("README.md names no `--%s`, a flag of ensnode", f[1])
		}
	}
	// --listen left out listens at the node's own address in --peers.
	if !regexp.MustCompile("listens at its address there, unless `--listen` gives another").MatchString(doc) {
		t.Errorf("README.md does not say where a node listens without --listen")
	}
}
