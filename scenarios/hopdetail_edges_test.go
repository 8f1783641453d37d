package scenarios

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestHopBoundNamesTheTransferPastTheLimit: a request passed between nodes past the
// hop limit is reported with the transfer that went past it, the node that should
// have refused it and where it went, as the other clauses of hop-bound name the node
// at fault: the call alone left the reader to search the trace for the culprit. The
// named transfer is the call's send in the trace that carries the count past the
// limit. A cast's is named by its sender too.
func TestHopBoundNamesTheTransferPastTheLimit(t *testing.T) {
	spec := named(t, "directory-regression")
	res, err := Run(spec, Options{Seed: 1, Semantics: router.Default, Bugs: bugs.Of(bugs.HopLimitOffByOne), KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^request passed between nodes (\d+) times \(message says hops=(\d+)\), limit \d+; (\S+) passed it to (\S+) past the limit$`)
	checked := 0
	for _, v := range res.Report.Violations {
		if v.Invariant != InvHopBound {
			continue
		}
		m := re.FindStringSubmatch(v.Detail)
		if m == nil {
			t.Fatalf("call %s: %q names no transfer past the limit", v.Call, v.Detail)
		}
		hops, _ := strconv.Atoi(m[2])
		found := false
		for _, r := range res.Trace {
			if r.Kind == "send" && r.Node == m[3] && attr(r.Attrs, "call") == v.Call &&
				attr(r.Attrs, "hops") == strconv.Itoa(hops) && attr(r.Attrs, "to") == m[4] {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("call %s: %q: no send by %s to %s with hops=%d in the trace", v.Call, v.Detail, m[3], m[4], hops)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("hop-limit-off-by-one broke no hop-bound in directory-regression, seed 1")
	}

	cast := castsOnly("directory-regression")(t)
	res, err = Run(cast, Options{Seed: 1, Semantics: router.Default, Bugs: bugs.Of(bugs.HopLimitOffByOne)})
	if err != nil {
		t.Fatal(err)
	}
	castRe := regexp.MustCompile(`^cast s\d+ passed between nodes \d+ times \(message says hops=\d+\), limit \d+; n\d+ passed it on past the limit$`)
	seen := false
	for _, v := range res.Report.Violations {
		if v.Invariant == InvHopBound {
			seen = true
			if !castRe.MatchString(v.Detail) {
				t.Errorf("%q names no sender", v.Detail)
			}
		}
	}
	if !seen {
		t.Fatal("hop-limit-off-by-one broke no hop-bound in directory-regression's casts, seed 1")
	}
}

// attr is the value of the record's field key as the trace writes it, "" when absent.
func attr(as []sim.Attr, key string) string {
	for _, a := range as {
		if a.Key == key {
			if a.IsInt {
				return strconv.FormatInt(a.Int, 10)
			}
			return a.Str
		}
	}
	return ""
}
