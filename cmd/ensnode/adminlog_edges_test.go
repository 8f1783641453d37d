package main

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestErrorKeyAlike: two of net/http's messages are alike when their first lines,
// without numbers and the unit after one, agree in their first 200 bytes: panics in
// two handlers on two connections are one error, an Accept error and a TLS handshake
// error are two, and so are two lines that differ within their first 200 bytes but
// not two that differ only past them.
func TestErrorKeyAlike(t *testing.T) {
	short, long := "http: "+strings.Repeat("x", 150), "http: "+strings.Repeat("x", 194) // 156 and 200 bytes
	for _, tc := range []struct {
		name  string
		a, b  string
		alike bool
	}{
		{name: "accept retries", a: "http: Accept error: accept tcp 127.0.0.1:9100: accept4: too many open files; retrying in 5ms",
			b: "http: Accept error: accept tcp 127.0.0.1:9100: accept4: too many open files; retrying in 1.28s", alike: true},
		{name: "panics with other stacks", a: "http: panic serving 127.0.0.1:40312: boom\ngoroutine 7 [running]:\nmain.metrics()",
			b: "http: panic serving 127.0.0.1:51000: boom\ngoroutine 12 [running]:\nmain.healthz()", alike: true},
		{name: "accept and handshake", a: "http: Accept error: accept tcp 127.0.0.1:9100: accept4: too many open files; retrying in 5ms",
			b: "http: TLS handshake error from 127.0.0.1:40312: EOF", alike: false},
		{name: "differ within 200 bytes", a: short + " one", b: short + " two", alike: false},
		{name: "differ past 200 bytes", a: long + " one", b: long + " two", alike: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := errorKey(tc.a), errorKey(tc.b)
			if (ka == kb) != tc.alike {
				t.Errorf("alike %v, want %v:\n%q\n%q", ka == kb, tc.alike, ka, kb)
			}
		})
	}
	if got := len(errorKey(strings.Repeat("z", 500))); got != 200 {
		t.Errorf("the key of a 500-byte line has %d bytes, want 200", got)
	}
}

// TestAdminErrorLogLine: a message of net/http goes to the node's log as it was
// written, without the line break log.Logger ends it with.
func TestAdminErrorLogLine(t *testing.T) {
	var logs syncBuffer
	el := newAdminErrorLog(slog.New(slog.NewJSONHandler(&logs, nil)))
	el.Printf("http: TLS handshake error from 127.0.0.1:40312: EOF")
	var got struct {
		Level, Msg, Err string
		Repeats         int
	}
	if err := json.Unmarshal([]byte(logs.String()), &got); err != nil {
		t.Fatalf("%v: %s", err, logs.String())
	}
	want := struct {
		Level, Msg, Err string
		Repeats         int
	}{"WARN", "admin server error", "http: TLS handshake error from 127.0.0.1:40312: EOF", 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logged (-want +got):\n%s", diff)
	}
}
