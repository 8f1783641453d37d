package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestRunRefusesUnknownSemantics: Run's error for an Options.Semantics it does not
// know wraps ErrBadOptions and names the option, as its doc says, rather than
// surfacing the router's configuration error from deep in the world's build.
func TestRunRefusesUnknownSemantics(t *testing.T) {
	spec := named(t, "steady")
	for _, sem := range []router.Semantics{router.Riak + 1, 200} {
		res, err := Run(spec, Options{Seed: 1, Semantics: sem})
		if res != nil || !errors.Is(err, ErrBadOptions) || errors.Is(err, ErrBadSpec) {
			t.Fatalf("Semantics %d: Run returned %v, %v; want no result and an error wrapping ErrBadOptions", int(sem), res, err)
		}
		if !strings.Contains(err.Error(), "Semantics") || !strings.Contains(err.Error(), "router.Riak") {
			t.Errorf("Semantics %d: error %q does not name the option and what it takes", int(sem), err)
		}
	}
	for _, sem := range semantics {
		if _, err := Run(spec, Options{Seed: 1, Semantics: sem}); err != nil {
			t.Errorf("%s: %v", sem, err)
		}
	}
}
