package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const module = "github.com/ensroute/ensroute"

// simulated are the directories whose non-test code runs inside the simulator. The
// production packages (router/nettransport, router/driver, cmd/ensnode, cmd/ensctl)
// are not: TestImportRules keeps them apart from it instead.
var simulated = []string{"sim", "router", "router/routertest", "netmodel", "scenarios", "scenarios/specgen", "internal/samestr", "internal/strictjson", "internal/duration"}

// randCtors are the math/rand functions that build a seeded source: allowed, since
// the seed then comes from a port.
var randCtors = map[string]bool{"New": true, "NewPCG": true, "NewChaCha8": true, "NewSource": true, "NewZipf": true}

var timeBans = map[string]bool{"Now": true, "Sleep": true, "After": true, "AfterFunc": true, "Tick": true,
	"NewTimer": true, "NewTicker": true, "Since": true, "Until": true}

// check reports every banned construct in one file.
func check(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, format string, args ...any) {
		p := fset.Position(n.Pos())
		out = append(out, fmt.Sprintf("%s:%d: %s", filepath.Base(p.Filename), p.Line, fmt.Sprintf(format, args...)))
	}
	names := map[string]string{} // local import name -> path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if path == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = path
		switch path {
		case "sync", "sync/atomic":
			report(imp, "imports %s: simulated code has one thread and needs no locks", path)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "starts a goroutine")
		case *ast.SelectStmt:
			report(n, "uses select")
		case *ast.ChanType:
			report(n, "uses a channel")
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				break
			}
			switch names[id.Name] {
			case "time":
				if timeBans[n.Sel.Name] {
					report(n, "calls time.%s: time comes from the Clock port", n.Sel.Name)
				}
			case "math/rand", "math/rand/v2":
				if !randCtors[n.Sel.Name] && ast.IsExported(n.Sel.Name) && !isType(n.Sel.Name) {
					report(n, "uses the global rand.%s: randomness comes from a seeded stream", n.Sel.Name)
				}
			}
		}
		return true
	})
	return out
}

func isType(name string) bool {
	switch name {
	case "Rand", "Source", "PCG", "ChaCha8", "Zipf":
		return true
	}
	return false
}

func parseDir(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(filepath.Join("..", "..", dir))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join("..", "..", dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("%s: no Go files", dir)
	}
	return fset, files
}

// TestDeterminismBans: the simulated paths take time, randomness and scheduling only
// from their ports.
func TestDeterminismBans(t *testing.T) {
	for _, dir := range simulated {
		fset, files := parseDir(t, dir)
		for _, f := range files {
			for _, problem := range check(fset, f) {
				t.Errorf("%s/%s", dir, problem)
			}
		}
	}
}

// TestBansCatchViolations shows the checker finds each banned construct.
func TestBansCatchViolations(t *testing.T) {
	src := `package bad
import (
	"math/rand/v2"
	mr "math/rand"
	"sync"
	"time"
)
var mu sync.Mutex
func f(ch chan int) {
	_ = time.Now()
	time.Sleep(1)
	_ = rand.IntN(3)
	_ = mr.Intn(3)
	_ = rand.New(rand.NewPCG(1, 2))
	go f(nil)
	select {
	case <-ch:
	default:
	}
	var d time.Duration
	_ = d
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "bad.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := check(fset, f)
	want := []string{
		"bad.go:5: imports sync: simulated code has one thread and needs no locks",
		"bad.go:9: uses a channel",
		"bad.go:10: calls time.Now: time comes from the Clock port",
		"bad.go:11: calls time.Sleep: time comes from the Clock port",
		"bad.go:12: uses the global rand.IntN: randomness comes from a seeded stream",
		"bad.go:13: uses the global rand.Intn: randomness comes from a seeded stream",
		"bad.go:15: starts a goroutine",
		"bad.go:16: uses select",
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
}

// imports returns the module-internal imports of the non-test files of dir.
func imports(t *testing.T, dir string) []string {
	_, files := parseDir(t, dir)
	seen := map[string]bool{}
	for _, f := range files {
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module+"/") {
				seen[strings.TrimPrefix(p, module+"/")] = true
			}
		}
	}
	out := []string{}
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// importRules are the package arrows: each directory of the module with Go files
// (TestEveryPackageHasImportRule) and the module's packages its non-test files may
// import.
var importRules = []struct {
	name    string
	dir     string
	allowed []string
}{
	{name: "router is the core", dir: "router", allowed: []string{"internal/bugs"}},
	{name: "sim is the kernel", dir: "sim", allowed: []string{}},
	{name: "bugs is a leaf", dir: "internal/bugs", allowed: []string{}},
	{name: "samestr is a leaf", dir: "internal/samestr", allowed: []string{}},
	{name: "strictjson is a leaf", dir: "internal/strictjson", allowed: []string{}},
	{name: "duration is a leaf", dir: "internal/duration", allowed: []string{}},
	{name: "buildinfo is a leaf", dir: "internal/buildinfo", allowed: []string{}},
	{name: "quietlog is a leaf", dir: "internal/quietlog", allowed: []string{}},
	{name: "mdsection is a leaf", dir: "internal/mdsection", allowed: []string{}},
	{name: "testcerts is a leaf", dir: "internal/testcerts", allowed: []string{}},
	{name: "archtest is a leaf", dir: "internal/archtest", allowed: []string{}},
	{name: "routertest drives the core", dir: "router/routertest", allowed: []string{"internal/bugs", "router"}},
	{name: "netmodel sits on sim and router", dir: "netmodel", allowed: []string{"internal/bugs", "internal/duration", "internal/samestr", "router", "sim"}},
	// scenarios wires worlds from the simulator's packages only, nothing of
	// production (driver, nettransport): the determinism bans read a package's own
	// files, so they would not see the goroutines and wall clock of one it imports.
	{name: "scenarios sits on netmodel, sim and router", dir: "scenarios", allowed: []string{"internal/bugs", "internal/buildinfo", "internal/samestr", "internal/strictjson", "netmodel", "router", "sim"}},
	{name: "traceview reads records only", dir: "scenarios/traceview", allowed: []string{"sim"}},
	// specgen draws specs with rapid, for property tests here and in other modules;
	// no program links it (TestProgramsLinkNoRapid).
	{name: "specgen draws specs", dir: "scenarios/specgen", allowed: []string{"netmodel", "scenarios"}},
	// Production: the TCP transport and the driver run the core and nothing of the
	// simulator; they may use goroutines, locks and the wall clock, which is why
	// they are not in simulated.
	{name: "nettransport sits on router", dir: "router/nettransport", allowed: []string{"internal/quietlog", "router"}},
	{name: "driver sits on router", dir: "router/driver", allowed: []string{"router"}},
	{name: "transporttest sits on router", dir: "router/transporttest", allowed: []string{"router"}},
	{name: "ensim runs the simulator", dir: "cmd/ensim", allowed: []string{"cmd/internal/limitfile", "cmd/internal/longflags", "internal/bugs", "internal/duration", "internal/strictjson", "netmodel", "router", "scenarios", "scenarios/traceview", "sim"}},
	{name: "ensnode links no simulator", dir: "cmd/ensnode", allowed: []string{"cmd/internal/cluster", "cmd/internal/kv", "internal/buildinfo", "internal/quietlog", "router", "router/driver", "router/nettransport"}},
	// ensctl scenario runs a simulator spec against real processes: ensctl may
	// link the simulator (for scenarios.Spec) through realscenario; ensnode may
	// not, TestEnsnodeLinksNoSimulator checks it transitively. ensctl checks an
	// event against the demo peer's own parser (kv.Check) before it sends one.
	{name: "ensctl", dir: "cmd/ensctl", allowed: []string{"cmd/internal/cluster", "cmd/internal/kv", "cmd/internal/limitfile", "cmd/internal/load", "cmd/internal/netns", "cmd/internal/realscenario", "internal/buildinfo", "router", "router/driver", "router/nettransport", "scenarios"}},
	{name: "load drives calls", dir: "cmd/internal/load", allowed: []string{"router"}},
	{name: "netns is a leaf", dir: "cmd/internal/netns", allowed: []string{}},
	{name: "realcluster runs processes", dir: "cmd/internal/realcluster", allowed: []string{"cmd/internal/kv", "router", "router/driver", "router/nettransport"}},
	{name: "realscenario maps a spec onto processes", dir: "cmd/internal/realscenario", allowed: []string{"cmd/internal/load", "cmd/internal/netns", "cmd/internal/realcluster", "router", "router/driver", "router/nettransport", "scenarios"}},
	{name: "cluster options", dir: "cmd/internal/cluster", allowed: []string{"cmd/internal/limitfile", "cmd/internal/longflags", "internal/duration", "internal/strictjson", "router", "router/nettransport"}},
	{name: "limitfile is a leaf", dir: "cmd/internal/limitfile", allowed: []string{}},
	{name: "longflags is a leaf", dir: "cmd/internal/longflags", allowed: []string{}},
	{name: "kv demo", dir: "cmd/internal/kv", allowed: []string{"router", "router/driver"}},
}

// TestImportRules: the package arrows (README.md, "Architecture"). router is the core and sim the kernel:
// neither depends on the rest of the module. router and netmodel may use internal/bugs, a leaf that
// lets the module's own tests inject defects and that nothing outside the module can
// switch on.
func TestImportRules(t *testing.T) {
	for _, tc := range importRules {
		t.Run(tc.name, func(t *testing.T) {
			got := imports(t, tc.dir)
			allowed := map[string]bool{}
			for _, a := range tc.allowed {
				allowed[a] = true
			}
			for _, p := range got {
				if !allowed[p] {
					t.Errorf("%s imports %s/%s; allowed: %v", tc.dir, module, p, tc.allowed)
				}
			}
		})
	}
}

// deps returns every module-internal package dir links, itself excluded, following
// imports transitively.
func deps(t *testing.T, dir string) []string {
	seen := map[string]bool{}
	var visit func(d string)
	visit = func(d string) {
		for _, p := range imports(t, d) {
			if !seen[p] {
				seen[p] = true
				visit(p)
			}
		}
	}
	visit(dir)
	out := []string{}
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestEnsnodeLinksNoSimulator: the production node links none of the simulator, not
// even through another package.
func TestEnsnodeLinksNoSimulator(t *testing.T) {
	for _, p := range deps(t, "cmd/ensnode") {
		for _, sim := range []string{"sim", "netmodel", "scenarios"} {
			if p == sim || strings.HasPrefix(p, sim+"/") {
				t.Errorf("cmd/ensnode links %s/%s", module, p)
			}
		}
	}
	// The check sees through packages: ensctl links the simulator by way of
	// realscenario, and deps says so.
	found := false
	for _, p := range deps(t, "cmd/ensctl") {
		found = found || p == "sim"
	}
	if !found {
		t.Error("deps does not find that ensctl links sim through realscenario and scenarios")
	}
}
