package mdsection_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/internal/mdsection"
)

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Performance":          "performance",
		"Riak versus ensroute": "riak-versus-ensroute",
		"`ensim trace`":        "ensim-trace",
		"Property tests and the failing-seed workflow": "property-tests-and-the-failing-seed-workflow",
		"What bounds the targets not met":              "what-bounds-the-targets-not-met",
		"Targets not met, and what bounds them":        "targets-not-met-and-what-bounds-them",
		"ensim_run: v1.2 (beta)":                       "ensim_run-v12-beta",
		"Über größe":                                   "über-größe",
	} {
		if got := mdsection.Slug(heading); got != want {
			t.Errorf("Slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

func TestAnchors(t *testing.T) {
	doc := "# Title\n\n## Real path\n\n```sh\n## Not a heading\n```\n\n### Real path\n\n## Real path\n\n#NoSpace\n"
	want := map[string]bool{"title": true, "real-path": true, "real-path-1": true, "real-path-2": true}
	if diff := cmp.Diff(want, mdsection.Anchors(doc)); diff != "" {
		t.Errorf("Anchors (-want +got):\n%s", diff)
	}
}

func TestLinks(t *testing.T) {
	doc := "See [a](#one) and [b](B.md#two),\n[c](https://example.com/#x) [d](docs/trace.png)\n" +
		"`[not](#a-link)` but [e](#three).\n```md\n[f](#in-a-fence)\n```\n[g](#four \"title\")\n"
	want := []mdsection.Link{
		{Line: 1, Fragment: "one"},
		{Line: 1, File: "B.md", Fragment: "two"},
		{Line: 2, File: "docs/trace.png"},
		{Line: 3, Fragment: "three"},
	}
	if diff := cmp.Diff(want, mdsection.Links(doc)); diff != "" {
		t.Errorf("Links (-want +got):\n%s", diff)
	}
}

// repoDocs are the documents whose links TestRepoDocLinks follows, relative to the
// repository's root.
var repoDocs = []string{"README.md", "BENCHMARKS.md"}

// brokenLinks returns a line for each link of docs (name -> text) that leads to a
// file that is not under root, or to a fragment that no heading of its document
// makes.
func brokenLinks(root string, docs map[string]string) []string {
	var broken []string
	for _, name := range repoDocs {
		for _, l := range mdsection.Links(docs[name]) {
			target := name
			if l.File != "" {
				target = filepath.ToSlash(filepath.Join(filepath.Dir(name), l.File))
				if _, err := os.Stat(filepath.Join(root, target)); err != nil {
					broken = append(broken, fmt.Sprintf("%s:%d: %s: no such file", name, l.Line, l.File))
					continue
				}
			}
			if l.Fragment == "" {
				continue
			}
			text, ok := docs[target]
			if !ok {
				b, err := os.ReadFile(filepath.Join(root, target))
				if err != nil {
					broken = append(broken, fmt.Sprintf("%s:%d: %s: %v", name, l.Line, target, err))
					continue
				}
				text = string(b)
			}
			if !mdsection.Anchors(text)[l.Fragment] {
				broken = append(broken, fmt.Sprintf("%s:%d: %s#%s: no heading makes that anchor", name, l.Line, target, l.Fragment))
			}
		}
	}
	return broken
}

// TestRepoDocLinks: every link of README.md and BENCHMARKS.md into the repository
// leads to a file that exists and, with a fragment, to a heading of it.
func TestRepoDocLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	docs := make(map[string]string)
	n := 0
	for _, name := range repoDocs {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = string(b)
		n += len(mdsection.Links(docs[name]))
	}
	if n < 20 {
		t.Fatalf("found %d links in %v; the documents have more: is Links broken?", n, repoDocs)
	}
	for _, b := range brokenLinks(root, docs) {
		t.Error(b)
	}

	// The check catches what it is for: a fragment no heading makes (the README
	// once linked "Performance: real path" as #performance-real-path, where the
	// heading "### Real path" makes #real-path), and a file that is not there.
	bad := map[string]string{
		"README.md":     strings.Replace(docs["README.md"], "(#real-path)", "(#performance-real-path)", 1),
		"BENCHMARKS.md": strings.Replace(docs["BENCHMARKS.md"], "(README.md#performance)", "(READ.md#performance)", 1),
	}
	got := brokenLinks(root, bad)
	if len(got) != 2 || !strings.Contains(got[0], "README.md#performance-real-path: no heading") || !strings.Contains(got[1], "READ.md: no such file") {
		t.Errorf("with two links broken on purpose, brokenLinks = %q", got)
	}
}
