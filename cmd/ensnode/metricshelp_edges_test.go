package main

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestMetricsHelpNamesItsLabels: a counter whose label sorts unrelated events
// (ensroute_transport_total's what, ensroute_dropped_total's reason,
// ensroute_gossip_messages_total's direction) says in its HELP what each value counts:
// HELP is all a scraper's user sees of it, and "Transport counters." told nothing.
func TestMetricsHelpNamesItsLabels(t *testing.T) {
	n, _ := startAlone(t, "--admin", "127.0.0.1:0")
	rec := httptest.NewRecorder()
	n.adminHandler(n.tr).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	for _, m := range []struct{ name, label string }{
		{"ensroute_transport_total", "what"},
		{"ensroute_dropped_total", "reason"},
		{"ensroute_gossip_messages_total", "direction"},
	} {
		help := regexp.MustCompile(`(?m)^# HELP ` + m.name + ` (.*)$`).FindStringSubmatch(text)
		if help == nil {
			t.Fatalf("no HELP of %s in:\n%s", m.name, text)
		}
		values := regexp.MustCompile(`(?m)^`+m.name+`\{`+m.label+`="([^"]+)"\}`).FindAllStringSubmatch(text, -1)
		if len(values) == 0 {
			t.Fatalf("no series of %s", m.name)
		}
		for _, v := range values {
			if !strings.Contains(help[1], v[1]) {
				t.Errorf("the HELP of %s does not say what %s=%q counts: %q", m.name, m.label, v[1], help[1])
			}
		}
	}
}
