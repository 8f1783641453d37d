package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBenchPrintOrder: the text report lists the error outcomes sorted by name, the
// same way every time.
func TestBenchPrintOrder(t *testing.T) {
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 4, Calls: 6, OK: 1,
		Errors: map[string]int64{"unreachable": 1, "timeout": 2, "overloaded": 1, "hop-limit": 1}, LatencyNS: map[string]int64{}}
	for range 20 {
		var b bytes.Buffer
		if err := r.print(&b, false); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, line := range strings.Split(b.String(), "\n") {
			if f := strings.Fields(line); len(f) == 2 && r.Errors[f[0]] > 0 {
				codes = append(codes, f[0])
			}
		}
		if got := strings.Join(codes, " "); got != "hop-limit overloaded timeout unreachable" {
			t.Fatalf("error lines in the order %q, want sorted:\n%s", got, b.String())
		}
	}
}
