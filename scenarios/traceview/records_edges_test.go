package traceview

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestREADMENoBudget: a record whose budget is none (a cast's, which has no
// deadline) holds router.Infinity, which README.md's Trace records must name, since
// it says durations are integer nanoseconds: a reader of the JSON lines sees
// 9223372036854775807 where the text view writes inf.
func TestREADMENoBudget(t *testing.T) {
	text := recordsSection(t)
	none := strconv.FormatInt(int64(router.Infinity), 10)
	for _, run := range libraryRuns(t) {
		for i := range run.tr.recs {
			r := &run.tr.recs[i]
			for _, a := range r.Attrs {
				if a.Key != "budget" || !a.IsInt || a.Int != int64(router.Infinity) {
					continue
				}
				if !strings.Contains(text, none) {
					t.Fatalf("%s: a %s record has budget %d (none), which README.md's Trace records does not name", run.name, r.Kind, a.Int)
				}
				return
			}
		}
	}
	t.Fatal("no record of any scenario has a budget of none: a cast's should")
}

// TestREADMEClockPPM: a clock-set record's drift_ppm and periodic_ppm are strings,
// not JSON numbers as its other fields are; README.md's row must say so, or a reader
// of the JSON lines who takes them for numbers fails on the first one.
func TestREADMEClockPPM(t *testing.T) {
	docs := readmeRecords(t)
	for _, run := range libraryRuns(t) {
		for i := range run.tr.recs {
			r := &run.tr.recs[i]
			if r.Kind != "clock-set" {
				continue
			}
			for _, a := range r.Attrs {
				if (a.Key == "drift_ppm" || a.Key == "periodic_ppm") && !a.IsInt && !strings.Contains(docs["clock-set"].desc, "strings") {
					t.Fatalf("%s: a clock-set record's %s is the string %q; README.md's row does not say so: %s", run.name, a.Key, a.Str, docs["clock-set"].desc)
				}
			}
		}
	}
}
