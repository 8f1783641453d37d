package kv

import (
	"slices"
	"strings"
	"testing"
)

// FuzzEvent: the words of an ensctl call's command line (separated by NUL bytes
// here, as a shell hands them over) make an event only when the peer reads it as they
// say: the operation is the first word, and each argument one word, the last one
// taking the words left (joined by spaces). An event Event refuses, or Check does,
// gets an error that quotes what it refused. Fuzz with
//
//	go test ./cmd/internal/kv -run '^$' -fuzz FuzzEvent -fuzztime 1m
func FuzzEvent(f *testing.F) {
	for _, s := range []string{"get\x00k", "put\x00k\x00hello\x00world", "put\x00k v", "cas\x00k\x00old\x00new value",
		"cas\x00k\x00-\x00v", "get\x00my key", "put\x00\x00v", "put\x00k\x00", "echo\x00a  b", "leader", "lead\x00x",
		"put k v", "get\x00k\x00x", "put\x00k\x00 v", "cas\x00k v\x00w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words := strings.Split(line, "\x00")
		event, err := Event(words)
		if err != nil {
			if !strings.Contains(err.Error(), "want get KEY") {
				t.Fatalf("the error does not say what an event is: %v", err)
			}
			return
		}
		if string(event) != strings.Join(words, " ") {
			t.Fatalf("words %q made the event %q", words, event)
		}
		op, args, err := parse(event)
		if err != nil {
			t.Fatalf("Event took %q, which the peer does not parse: %v", event, err)
		}
		if len(words) == 1 {
			return // the whole event as it is
		}
		if op != words[0] {
			t.Fatalf("words %q: the peer reads the operation %q", words, op)
		}
		n, ok := arity[op]
		if !ok {
			return // echo: the event as it is
		}
		if n == 0 {
			t.Fatalf("words %q: %s, which takes no argument, took %d", words, op, len(words)-1)
		}
		if len(words)-1 < n {
			t.Fatalf("words %q: %d arguments for %s, which takes %d", words, len(words)-1, op, n)
		}
		want := append(slices.Clone(words[1:n]), strings.Join(words[n:], " "))
		if !slices.Equal(args, want) {
			t.Fatalf("words %q: the peer reads the arguments %q, want %q", words, args, want)
		}
	})
}
