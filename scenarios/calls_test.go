package scenarios

import (
	"reflect"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// hasPointers reports whether a value of type t holds a pointer the garbage
// collector would have to follow.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// TestCallRecordsHoldNoPointers: what the checker keeps of every call for the whole
// run is memory the collector never scans, and filling it in stores no pointer. A
// pointer field added to callRec (or to a type it holds) fails this.
func TestCallRecordsHoldNoPointers(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[callRec](), reflect.TypeFor[workSpan](), reflect.TypeFor[incCalls]().Field(1).Type.Elem()} {
		if hasPointers(typ) {
			t.Errorf("%v holds a pointer", typ)
		}
	}
	// The helper itself must see pointers where there are some.
	for _, typ := range []reflect.Type{reflect.TypeFor[openCall](), reflect.TypeFor[[2]string](), reflect.TypeFor[struct{ a, b int }]()} {
		if got, want := hasPointers(typ), typ != reflect.TypeFor[struct{ a, b int }](); got != want {
			t.Errorf("hasPointers(%v) = %v, want %v", typ, got, want)
		}
	}
}

// TestOpenSlotsAreRecycled: a completed call gives its open slot back, so a run keeps
// as many slots as calls were open at a time, not one per call; and every slot given
// back holds nothing of its call for the collector to keep alive.
func TestOpenSlotsAreRecycled(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	wd.schedule()
	wd.w.Run()
	c := wd.chk
	if len(c.calls) < 1000 {
		t.Fatalf("only %d calls", len(c.calls))
	}
	if len(c.open) > len(c.calls)/10 {
		t.Errorf("%d open slots for %d calls: completed calls do not give theirs back", len(c.open), len(c.calls))
	}
	if len(c.freeOpen) != len(c.open) {
		t.Errorf("%d of %d open slots free after every call completed", len(c.freeOpen), len(c.open))
	}
	for i := range c.open {
		if o := &c.open[i]; o.event != nil || o.more != nil || o.n0 != 0 {
			t.Errorf("free slot %d still holds %+v", i, *o)
		}
	}
	for i := range c.calls {
		if r := &c.calls[i]; r.open != 0 || r.completions != 1 {
			t.Fatalf("call %d: open slot %d, %d completions; want none and one", i, r.open, r.completions)
		}
	}
}

// TestWasDelivered: a result's peer counts as delivered only if it equals, in every
// field, a peer the call's event was delivered to, the first or a later one.
func TestWasDelivered(t *testing.T) {
	a := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	b := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	var o openCall
	if o.wasDelivered(&a) {
		t.Error("delivered to nobody, yet a peer counts as delivered")
	}
	o.deliver(&a)
	o.deliver(&b)
	for _, p := range []router.PeerRef{a, b} {
		if !o.wasDelivered(&p) {
			t.Errorf("%v: delivered, but not counted as delivered", p)
		}
	}
	for _, p := range []router.PeerRef{
		{Ensemble: "e2", Name: "p1", Node: "n1"},
		{Ensemble: "e1", Name: "p3", Node: "n1"},
		{Ensemble: "e1", Name: "p1", Node: "n3"},
		{Ensemble: "e1", Name: "p2", Node: "n1"},
	} {
		if o.wasDelivered(&p) {
			t.Errorf("%v: never delivered, but counted as delivered", p)
		}
	}
}
