package mdsection_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/internal/mdsection"
)

const doc = "# Title\n\nintro\n\n## Commands\n\n```sh\n# a shell comment, not a heading\nrun\n```\n\n### Details\n\nmore\n\n## Next\n\nlast\n"

func ExampleOf() {
	s, err := mdsection.Of(doc, "## Commands")
	fmt.Printf("%q %v\n", s, err)
	// Output:
	// "## Commands\n\n```sh\n# a shell comment, not a heading\nrun\n```\n\n### Details\n\nmore\n\n" <nil>
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		heading, want, err string
	}{
		{heading: "### Details", want: "### Details\n\nmore\n\n"},
		{heading: "## Next", want: "## Next\n\nlast\n"},
		{heading: "# Title", want: doc},
		{heading: "## Missing", err: `mdsection: no heading "## Missing"`},
		{heading: "# a shell comment, not a heading", err: `mdsection: no heading "# a shell comment, not a heading"`},
		{heading: "Commands", err: `mdsection: "Commands" is not a heading`},
	} {
		got, err := mdsection.Of(doc, tc.heading)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Of(%q): error %v, want %q", tc.heading, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Of(%q): %v", tc.heading, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("Of(%q) (-want +got):\n%s", tc.heading, d)
		}
	}
}
