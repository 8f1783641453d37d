package archtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goDirs returns every directory of the module, relative to its root, that holds a
// Go file other than a test, leaving out testdata and hidden directories and any
// directory with a go.mod of its own (another module).
func goDirs(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "..")
	seen := map[string]bool{}
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if rel != "." {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryPackageHasImportRule: README's "Architecture" says internal/archtest
// enforces the package arrows; it does only for a package that has a rule in
// importRules, so every package of the module must have one. A package without one
// could import anything (scenarios once could have imported the production driver,
// goroutines and all, and no test would have said so).
func TestEveryPackageHasImportRule(t *testing.T) {
	ruled := map[string]bool{}
	for _, r := range importRules {
		if ruled[r.dir] {
			t.Errorf("%s has two rules in importRules", r.dir)
		}
		ruled[r.dir] = true
	}
	dirs := goDirs(t)
	if len(dirs) < 10 {
		t.Fatalf("found %d package directories (%v): fix goDirs", len(dirs), dirs)
	}
	for _, dir := range dirs {
		if dir == "." {
			t.Errorf("the module's root holds Go files: give it a rule in importRules")
			continue
		}
		if !ruled[dir] {
			t.Errorf("%s has no rule in importRules (arch_test.go): add one naming the module's packages it may import", dir)
		}
	}
}
