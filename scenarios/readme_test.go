package scenarios

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/internal/mdsection"
	"github.com/ensroute/ensroute/netmodel"
)

// TestREADMEProbes: the probes README.md's JSON summary lists are the ones a report
// carries, no more and no fewer; the network's are summed up as net-*.
func TestREADMEProbes(t *testing.T) {
	var row string
	for _, line := range strings.Split(readme(t), "\n") {
		if strings.HasPrefix(line, "| `probes` |") {
			row = line
			break
		}
	}
	if row == "" {
		t.Fatal("README.md has no `probes` row in its JSON summary table")
	}
	if !strings.Contains(row, "`net-*`") {
		t.Errorf("README.md's probes row does not mention the network's net-* counters:\n%s", row)
	}
	var documented []string
	for _, m := range regexp.MustCompile("`([a-z]+(?:-[a-z]+)+)`").FindAllStringSubmatch(row, -1) {
		documented = append(documented, m[1])
	}
	sort.Strings(documented)
	r := mustRun(t, named(t, "steady"), Options{Seed: 1}).Report
	var reported []string
	for k := range r.Probes {
		if !strings.HasPrefix(k, "net-") {
			reported = append(reported, k)
		}
	}
	sort.Strings(reported)
	if len(reported) < 10 || len(documented) < 10 {
		t.Fatalf("parsed %d probes from the report and %v from README.md: fix the test", len(reported), documented)
	}
	if diff := cmp.Diff(documented, reported); diff != "" {
		t.Errorf("probes (-README.md +report):\n%s", diff)
	}
}

// readme returns README.md.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestREADMEScenarioTable: README.md's table of named scenarios says what ensim list
// says (the README may add links).
func TestREADMEScenarioTable(t *testing.T) {
	row := regexp.MustCompile("^\\| `([a-z-]+)` \\| (.*) \\|$")
	link := regexp.MustCompile(`; see \[[^]]*\]\([^)]*\)`)
	seen := map[string]bool{}
	for _, line := range strings.Split(readme(t), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil || !slices.Contains(Names(), m[1]) {
			continue
		}
		seen[m[1]] = true
		if got, want := link.ReplaceAllString(m[2], ""), named(t, m[1]).Description; got != want {
			t.Errorf("%s: README.md says\n  %s\nensim list says\n  %s", m[1], got, want)
		}
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("README.md's table of scenarios has no row for %s", n)
		}
	}
}

// TestScaleCostMatchesPerformance: scale's description tells what a run costs in
// time and memory; it must agree, within a factor of two, with the figures
// README.md's Performance table measured last (the column before "met?").
func TestScaleCostMatchesPerformance(t *testing.T) {
	said := regexp.MustCompile(`about ([0-9.]+) ?s and ([0-9.]+) ?GB`).FindStringSubmatch(named(t, "scale").Description)
	if said == nil {
		t.Fatalf("scale's description does not say \"about N s and M GB\": %s", named(t, "scale").Description)
	}
	var measured []string
	for _, line := range strings.Split(readme(t), "\n") {
		if strings.HasPrefix(line, "| `scale` (") {
			// The latest measurement is the last column before "met?" (the row ends
			// "| latest | met? |").
			cells := strings.Split(line, "|")
			if len(cells) < 6 {
				t.Fatalf("the Performance table's scale row has %d cells: %s", len(cells), line)
			}
			measured = regexp.MustCompile(`^ *([0-9.]+) s[;,] ([0-9.]+) GB`).FindStringSubmatch(cells[len(cells)-3])
		}
	}
	if measured == nil {
		t.Fatal("README.md's Performance table has no scale row whose latest measurement starts \"N s, M GB\"")
	}
	for i, what := range []string{"wall time (s)", "memory (GB)"} {
		s, _ := strconv.ParseFloat(said[i+1], 64)
		m, _ := strconv.ParseFloat(measured[i+1], 64)
		if s > 2*m || m > 2*s {
			t.Errorf("scale's %s: the description says about %v, the Performance table measured %v", what, s, m)
		}
	}
}

// TestREADMESpecReference: README.md's spec reference names every key a spec takes,
// the keys of its nested objects included, each where a reader looks for it: a
// top-level key in the first column of its table, the keys of an object under a
// top-level key in that key's row, and those of a distribution, a link, a clock, a
// fault and a rule in the paragraph about it. So no field is only in the Go source.
func TestREADMESpecReference(t *testing.T) {
	section, err := mdsection.Of(readme(t), "### Spec reference")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // a table row by the first key its first column names
	var firstColumn strings.Builder
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "| `") || len(cells) < 3 {
			continue
		}
		firstColumn.WriteString(cells[1])
		if m := regexp.MustCompile("`([a-z_]+)`").FindStringSubmatch(cells[1]); m != nil {
			rows[m[1]] = line
		}
	}
	paragraph := func(marker string) string {
		i := strings.Index(section, marker)
		if i < 0 {
			t.Fatalf("the spec reference has no paragraph %q", marker)
		}
		p, _, _ := strings.Cut(section[i:], "\n\n")
		return p
	}
	ownParagraph := map[reflect.Type]string{
		reflect.TypeFor[Dist]():                paragraph("A **distribution**"),
		reflect.TypeFor[netmodel.Link]():       paragraph("A **link**"),
		reflect.TypeFor[netmodel.ClockModel](): paragraph("A **clock**"),
		reflect.TypeFor[Fault]():               paragraph("A **fault**"),
		reflect.TypeFor[RuleSpec]():            paragraph("A **fault**"), // a rule's is the fault paragraph's end
		reflect.TypeFor[MatchSpec]():           paragraph("A **fault**"),
	}
	var missing []string
	seen := map[reflect.Type]bool{}
	var walk func(path, top string, typ reflect.Type)
	walk = func(path, top string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ == reflect.TypeFor[Duration]() {
			return
		}
		seen[typ] = true
		home, where := rows[top], "the row of `"+top+"`"
		switch p, ok := ownParagraph[typ]; {
		case ok:
			home, where = p, "its paragraph"
		case top == "":
			home, where = firstColumn.String(), "the first column"
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if key == "" || key == "-" {
				continue
			}
			if !strings.Contains(home, "`"+key+"`") {
				missing = append(missing, path+key+" (in "+where+")")
			}
			next := top
			if top == "" {
				next = key
			}
			walk(path+key+".", next, f.Type)
		}
	}
	walk("", "", reflect.TypeFor[Spec]())
	if len(seen) < 15 || len(rows) < 15 {
		t.Fatalf("walked %d object types of a spec and found %d rows: fix the test", len(seen), len(rows))
	}
	if len(missing) > 0 {
		t.Errorf("README.md's spec reference does not name:\n%s", strings.Join(missing, "\n"))
	}
}
