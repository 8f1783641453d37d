package main

import (
	"log"
	"log/slog"
	"strings"
	"time"

	"github.com/ensroute/ensroute/internal/quietlog"
)

// adminErrorLog is the writer of the admin server's ErrorLog (http.Server.ErrorLog),
// through which net/http reports what goes wrong outside a handler's answer: an
// Accept that fails, a handler that panics. Without it they went to Go's standard
// logger, as plain lines on stderr among a --log-format json node's objects, and as
// often as they came: net/http retries a failed Accept after a pause of 5ms, doubled
// up to 1s while it fails, so a node that hovers at its file descriptor limit had a
// line for each, many a second. Each goes to the node's log instead, as a warning
// ("admin server error"), at most once per adminErrorQuiet for errors alike
// (errorKey), with the count of those since ("repeats"), which are logged at debug,
// as the transport does its refusals.
type adminErrorLog struct {
	log   *slog.Logger
	quiet *quietlog.Log // by errorKey
}

// adminErrorQuiet is how long an admin server error stays at debug after it was
// logged as a warning. A variable for the tests.
var adminErrorQuiet = time.Minute

// adminErrorKeys bounds the errors remembered; past it the one seen least recently
// is forgotten.
const adminErrorKeys = 64

// newAdminErrorLog returns the admin server's ErrorLog, which logs to logger.
func newAdminErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(&adminErrorLog{log: logger, quiet: quietlog.New(adminErrorQuiet, adminErrorKeys)}, "", 0)
}

// Write logs one message of net/http: log.Logger writes each in one call, with a
// line break at its end (a panic's has its stack after the first line).
func (w *adminErrorLog) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	if repeats, warn := w.quiet.Note(errorKey(msg), time.Now()); warn {
		w.log.Warn("admin server error", "err", msg, "repeats", repeats)
	} else {
		w.log.Debug("admin server error", "err", msg, "repeat", true)
	}
	return len(p), nil
}

// errorKey is what makes two of net/http's messages alike: the first line, at most
// 200 bytes of it, without its numbers and the unit right after one. What changes
// from one occurrence of an error to the next is mostly those: a client's address and
// port, the pause before the next Accept ("retrying in 5ms", then "10ms", up to "1s").
func errorKey(msg string) string {
	line, _, _ := strings.Cut(msg, "\n")
	var b strings.Builder
	for i := 0; i < len(line) && b.Len() < 200; {
		if !isDigit(line[i]) {
			b.WriteByte(line[i])
			i++
			continue
		}
		for i < len(line) && (isDigit(line[i]) || line[i] == '.') {
			i++
		}
		for i < len(line) && (line[i] >= 'a' && line[i] <= 'z' || line[i] >= 'A' && line[i] <= 'Z') {
			i++
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
