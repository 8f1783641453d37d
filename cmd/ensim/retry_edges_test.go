package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestRunReportsRetries: ensim run of a workload that retries prints its requests
// in the summary, as --json counts them; one that does not retry prints neither.
func TestRunReportsRetries(t *testing.T) {
	code, stdout, stderr := ensim(t, "run", "--scenario", "slow-leader-retry", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var r scenarios.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	q := r.Retries
	if q == nil || q.Requests == 0 || q.Attempts <= q.Requests || q.OKAfterRetry == 0 {
		t.Fatalf("--json retries: %+v", q)
	}
	code, stdout, stderr = ensim(t, "run", "--scenario", "slow-leader-retry")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := fmt.Sprintf("requests      %d made as %d attempts (%.2f per request): %d ok (%d after a retry), %d failed every attempt, %d failed with attempts left\n",
		q.Requests, q.Attempts, q.Amplification, q.OK, q.OKAfterRetry, q.FailedEveryAttempt, q.FailedEarly)
	if !strings.Contains(stdout, want) {
		t.Fatalf("the summary has no line\n%sin\n%s", want, stdout)
	}
	code, stdout, _ = ensim(t, "run", "--scenario", "slow-leader", "--json")
	if code != exitOK || strings.Contains(stdout, `"retries"`) {
		t.Fatalf("exit %d; a workload without retries printed retries:\n%s", code, stdout)
	}
	_, stdout, _ = ensim(t, "run", "--scenario", "slow-leader")
	if strings.Contains(stdout, "requests") {
		t.Fatalf("a workload without retries printed requests:\n%s", stdout)
	}
}

// TestCompareReportsRetries: ensim compare sets the requests of both semantics side
// by side, summed over the seeds, in its table and its --json; it leaves them out for
// a workload that does not retry.
func TestCompareReportsRetries(t *testing.T) {
	code, stdout, stderr := ensim(t, "compare", "--scenario", "retry-storm", "--seeds", "2", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var c comparison
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*sideStats{&c.Riak, &c.Default} {
		q := s.Retries
		if q == nil || q.Attempts != s.Calls || q.OK != s.OK || q.Amplification != float64(q.Attempts)/float64(q.Requests) {
			t.Fatalf("retries %+v of %d calls, %d ok", q, s.Calls, s.OK)
		}
	}
	if c.Riak.Retries.Requests != c.Default.Retries.Requests {
		t.Fatalf("riak made %d requests, default %d: the same workload", c.Riak.Retries.Requests, c.Default.Retries.Requests)
	}
	_, table, _ := ensim(t, "compare", "--scenario", "retry-storm", "--seeds", "2")
	for _, row := range []string{"requests", "requests ok", "ok after a retry", "failed every attempt", "failed, attempts left", "attempts per request"} {
		want := fmt.Sprintf("\n%s  ", row)
		if !strings.Contains(table, want) {
			t.Errorf("no row %q in\n%s", row, table)
		}
	}
	want := regexp.MustCompile(fmt.Sprintf(`\nrequests ok +%d \(%s\) +%d \(`, c.Riak.Retries.OK,
		regexp.QuoteMeta(pctString(pctOf(c.Riak.Retries.OK, c.Riak.Retries.Requests))), c.Default.Retries.OK))
	if !want.MatchString(table) {
		t.Errorf("no %s in\n%s", want, table)
	}
	_, table, _ = ensim(t, "compare", "--scenario", "overload", "--seeds", "1")
	if strings.Contains(table, "requests") {
		t.Errorf("a workload without retries has rows of requests:\n%s", table)
	}
}

// TestRunRefusesBadRetry: a spec file with a bad workload.retry exits 2 naming the
// field.
func TestRunRefusesBadRetry(t *testing.T) {
	s, _ := scenarios.Named("steady")
	js := strings.Replace(string(s.JSON()), `"workload": {`, `"workload": {"retry": {"attempts": 3, "jitter": -0.5},`, 1)
	path := writeFile(t, "retry.json", []byte(js))
	code, _, stderr := ensim(t, "run", "--spec", path)
	if code != exitUsage || !strings.Contains(stderr, "workload.retry.jitter: -0.5, want 0..1") {
		t.Fatalf("exit %d, stderr %q: want 2 and the field named", code, stderr)
	}
}
