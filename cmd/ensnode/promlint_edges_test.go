package main

import (
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// TestMetricsLint: /metrics passes Prometheus's own linter (promlint: counters end
// in _total, units in base units named in the name, snake_case, HELP on each), so a
// scraper's rules and dashboards written by the conventions find what they expect.
func TestMetricsLint(t *testing.T) {
	n, _ := startAlone(t, "--admin", "127.0.0.1:0")
	rec := httptest.NewRecorder()
	n.adminHandler(n.tr).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	problems, err := promlint.New(rec.Body).Lint()
	if err != nil {
		t.Fatalf("/metrics is not Prometheus's text format: %v", err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
