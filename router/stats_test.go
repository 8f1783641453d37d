package router

import (
	"reflect"
	"testing"
)

// TestStatsAddCoversEveryCounter: Add sums every field, so a new counter cannot be
// forgotten in totals.
func TestStatsAddCoversEveryCounter(t *testing.T) {
	var one Stats
	v := reflect.ValueOf(&one).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Array {
			for j := 0; j < f.Len(); j++ {
				f.Index(j).SetUint(1)
			}
			continue
		}
		f.SetUint(1)
	}
	var sum Stats
	sum.Add(one)
	sum.Add(one)
	s := reflect.ValueOf(sum)
	for i := 0; i < s.NumField(); i++ {
		f := s.Field(i)
		if f.Kind() == reflect.Array {
			for j := 0; j < f.Len(); j++ {
				if f.Index(j).Uint() != 2 {
					t.Errorf("Add misses %s[%d]", s.Type().Field(i).Name, j)
				}
			}
			continue
		}
		if f.Uint() != 2 {
			t.Errorf("Add misses %s", s.Type().Field(i).Name)
		}
	}
}
