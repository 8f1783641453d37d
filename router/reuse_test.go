package router

import (
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// fill sets every field of the struct v points to, recursively, to a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Field(i)
			fill(reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()) // unexported too
		}
	case reflect.String:
		v.SetString("stale")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(77)
	case reflect.Uint8, reflect.Uint64:
		v.SetUint(77)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
	case reflect.Func:
		v.Set(reflect.MakeFunc(v.Type(), func([]reflect.Value) []reflect.Value { return nil }))
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// TestPendingInitSetsEveryField checks that a proxy reused from a completed call, every
// field of it set, is after init the same as a new one: init sets the fields one at a
// time, and one it forgot would carry the old call's value into the new call.
func TestPendingInitSetsEveryField(t *testing.T) {
	var old pending
	fill(reflect.ValueOf(&old).Elem())
	if !reflect.ValueOf(old).FieldByName("completed").Bool() {
		t.Fatal("fill left a field unset")
	}
	id := CallID{Node: "n1", Incarnation: 1, Seq: 5}
	ev := []byte("ev")
	var fresh pending
	fresh.init(id, "e1", ev, time.Second, nil)
	old.init(id, "e1", ev, time.Second, nil)
	if !reflect.DeepEqual(old, fresh) {
		t.Errorf("reused proxy after init:\n%+v\nwant\n%+v", old, fresh)
	}
}
