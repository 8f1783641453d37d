package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// fullWriter fails every write, as stdout redirected to a full disk (/dev/full) does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestOutputNotWrittenFails: a command whose output could not be written to stdout
// fails, exit 1, naming the error, as bench does, rather than exit 0 with its answer
// lost: a script that saves ensctl's output to a file on a full disk learns it.
func TestOutputNotWrittenFails(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	for _, args := range [][]string{
		{"call", "e1", "get", "k"},
		{"call", "--json", "e1", "get", "k"},
		{"cast", "e1", "get", "k"},
		{"leader", "get", "e1"},
	} {
		full := append([]string{args[0]}, "--peers", "n1="+n.addr, "--secret-file", n.secret)
		if args[0] == "leader" {
			full = append([]string{"leader", "get"}, full[1:]...)
			args = args[1:]
		}
		full = append(full, args[1:]...)
		var errb bytes.Buffer
		code := run(context.Background(), full, fullWriter{}, &errb)
		if code != 1 || !strings.Contains(errb.String(), "no space left on device") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming the failed write", full, code, errb.String())
		}
	}
	// Help and the version are output too.
	for _, args := range [][]string{{"help"}, {"version"}, {"call", "-h"}, {"help", "bench"}} {
		var errb bytes.Buffer
		if code := run(context.Background(), args, fullWriter{}, &errb); code != 1 || !strings.Contains(errb.String(), "no space left on device") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming the failed write", args, code, errb.String())
		}
	}
}
