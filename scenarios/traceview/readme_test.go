package traceview

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/mdsection"
	"github.com/ensroute/ensroute/sim"
)

// documented is one row of the README's table of trace records.
type documented struct {
	node   bool     // the record names a node
	fields []string // its fields, in order; a record has them or a part of them
	desc   string   // what the record means
}

// recordsSection is README.md's "#### Trace records" section.
func recordsSection(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := mdsection.Of(string(data), "#### Trace records")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	return text
}

// readmeRecords reads the table under "#### Trace records" in README.md.
func readmeRecords(t *testing.T) map[string]documented {
	t.Helper()
	text := recordsSection(t)
	row := regexp.MustCompile("^\\| `([a-z-]+)` \\|([^|]*)\\|([^|]*)\\|([^|]*)\\|")
	field := regexp.MustCompile("`([a-z_]+)`")
	out := map[string]documented{}
	for _, line := range strings.Split(text, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		d := documented{node: strings.TrimSpace(m[2]) != "", desc: m[4]}
		for _, f := range field.FindAllStringSubmatch(m[3], -1) {
			d.fields = append(d.fields, f[1])
		}
		if _, dup := out[m[1]]; dup {
			t.Errorf("README.md documents %s twice", m[1])
		}
		out[m[1]] = d
	}
	if len(out) < 30 {
		t.Fatalf("README.md's Trace records table has %d kinds; the parser must have missed rows", len(out))
	}
	return out
}

// TestREADMERecords: README.md documents every kind of record the scenarios write,
// with its fields in order and whether it names a node; and every kind it documents
// is one the simulator's code names. A row that quotes values of its record's
// reason lists every reason the scenarios give, unless it ends the list with "...".
func TestREADMERecords(t *testing.T) {
	docs := readmeRecords(t)
	seen := map[string]bool{}
	for _, run := range libraryRuns(t) {
		for i := range run.tr.recs {
			r := &run.tr.recs[i]
			d, ok := docs[r.Kind]
			if ok {
				checkReason(t, run.name, r, d, seen)
			}
			if seen[r.Kind+"\x00"+keysOf(r.Attrs)] {
				continue
			}
			seen[r.Kind+"\x00"+keysOf(r.Attrs)] = true
			if !ok {
				t.Errorf("%s: record kind %q is not in README.md's Trace records", run.name, r.Kind)
				continue
			}
			if d.node != (r.Node != "") {
				t.Errorf("%s: a %s record names node %q; README.md says it names one: %v", run.name, r.Kind, r.Node, d.node)
			}
			var keys []string
			for _, a := range r.Attrs {
				keys = append(keys, a.Key)
			}
			if !subsequence(keys, d.fields) {
				t.Errorf("%s: a %s record has fields %v; README.md lists %v", run.name, r.Kind, keys, d.fields)
			}
		}
	}
	literals := stringLiterals(t, filepath.Join("..", "..", "netmodel"), filepath.Join(".."))
	for kind := range docs {
		if !literals[kind] {
			t.Errorf("README.md documents record kind %q, which netmodel and scenarios never name", kind)
		}
	}
}

// checkReason reports a reason of record r that d, its row in README.md, does not
// name, if the row names any and does not say "..." (a list left open). seen
// remembers the reasons checked.
func checkReason(t *testing.T, run string, r *sim.Record, d documented, seen map[string]bool) {
	t.Helper()
	for i := range r.Attrs {
		a := &r.Attrs[i]
		if a.Key != "reason" || a.IsInt {
			continue
		}
		reason := a.Str
		if a.Name != nil {
			reason = a.Name.String()
		}
		key := r.Kind + "\x00reason\x00" + reason
		if seen[key] {
			return
		}
		seen[key] = true
		if strings.Contains(d.desc, "`") && !strings.Contains(d.desc, "...") && !strings.Contains(d.desc, "`"+reason+"`") {
			t.Errorf("%s: a %s record gives reason %q, which README.md's row does not name: %s", run, r.Kind, reason, d.desc)
		}
	}
}

func keysOf(attrs []sim.Attr) string {
	var b strings.Builder
	for _, a := range attrs {
		b.WriteString(a.Key)
		b.WriteByte(',')
	}
	return b.String()
}

// subsequence reports whether every element of sub appears in seq, in order.
func subsequence(sub, seq []string) bool {
	j := 0
	for _, s := range sub {
		for j < len(seq) && seq[j] != s {
			j++
		}
		if j == len(seq) {
			return false
		}
		j++
	}
	return true
}

// stringLiterals returns the string literals of the non-test Go files in dirs.
func stringLiterals(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						out[s] = true
					}
				}
				return true
			})
		}
	}
	return out
}
