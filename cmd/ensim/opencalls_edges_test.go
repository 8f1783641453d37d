package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// TestAddCallsSumsEveryField: a sweep's calls are the sum of its runs' in every
// outcome, the open ones included (a field addCalls forgot would stay 0 in the sweep's
// summary while its runs counted some).
func TestAddCallsSumsEveryField(t *testing.T) {
	var c scenarios.Calls
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		v.Field(i).SetUint(uint64(i + 1))
	}
	var sum scenarios.Calls
	addCalls(&sum, c)
	addCalls(&sum, c)
	want := c
	w := reflect.ValueOf(&want).Elem()
	for i := range w.NumField() {
		w.Field(i).SetUint(2 * uint64(i+1))
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("two runs' calls summed (-want +got):\n%s", diff)
	}
}

// TestCallsTextOpen: the summary's calls line names the calls with no outcome when
// the run ended (a run stopped at its message budget), so that its counts add up to
// the total, and says nothing of them when there are none.
func TestCallsTextOpen(t *testing.T) {
	c := scenarios.Calls{Total: 4, OK: 2, Open: 2}
	if got := callsText(c); !strings.HasSuffix(got, ", 2 open when the run ended") {
		t.Errorf("callsText(%+v) = %q, want it to end with the 2 open", c, got)
	}
	c = scenarios.Calls{Total: 2, OK: 2}
	if got := callsText(c); strings.Contains(got, "open") {
		t.Errorf("callsText(%+v) = %q, names open calls where there are none", c, got)
	}
}
