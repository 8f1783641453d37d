package realscenario

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// FuzzSpecPlan: ensctl scenario maps any spec file the simulator takes onto
// processes. Whatever the spec, NewPlan does not panic and refuses with
// ErrUnsupported; a spec it maps without skipping it maps the same with skip, which
// skips nothing then; and a plan's steps are in time order, each on a node of the
// spec, each ensemble led by its leader's node and on its members' nodes, once each.
// The seeds are the catalog's specs; fuzz with
//
//	go test ./cmd/internal/realscenario -run '^$' -fuzz FuzzSpecPlan -fuzztime 2m
func FuzzSpecPlan(f *testing.F) {
	for _, name := range scenarios.Names() {
		s, _ := scenarios.Named(name)
		if b := s.JSON(); len(b) <= 64<<10 { // not scale's 3 MB, which slows the fuzzer to a few inputs a second
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := scenarios.Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		strict, errStrict := NewPlan(s, false)
		p, err := NewPlan(s, true)
		for _, e := range []error{errStrict, err} {
			if e != nil && !errors.Is(e, ErrUnsupported) {
				t.Fatalf("error %v is not ErrUnsupported", e)
			}
		}
		if errStrict == nil {
			if err != nil || len(p.Skipped) > 0 {
				t.Fatalf("mapped without skipping, but with skip: %v, skipped %q", err, p.Skipped)
			}
			if diff := cmp.Diff(strict, p); diff != "" {
				t.Fatalf("skip changes a plan that skips nothing (-strict +skip):\n%s", diff)
			}
		}
		if err != nil {
			return
		}
		for i, st := range p.Steps {
			if i > 0 && st.At < p.Steps[i-1].At {
				t.Fatalf("steps out of time order: %v", p.Steps)
			}
			if !slices.Contains(s.Nodes, st.Node) {
				t.Fatalf("step %q at %v is on no node of the spec (%q)", st, st.At, s.Nodes)
			}
		}
		if len(p.Ensembles) != len(s.Ensembles) {
			t.Fatalf("%d ensembles planned for %d", len(p.Ensembles), len(s.Ensembles))
		}
		for i, e := range s.Ensembles {
			var want []string
			for _, m := range e.Members {
				if m.Name == e.Leader {
					want = append([]string{m.Node}, want...)
				} else {
					want = append(want, m.Node)
				}
			}
			if got := p.Ensembles[i]; got.ID != e.Name || !slices.Equal(got.Members, want) {
				t.Fatalf("ensemble %s planned as %s on %q, want its leader's node first: %q", e.Name, got.ID, got.Members, want)
			}
		}
	})
}
