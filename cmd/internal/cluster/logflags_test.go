package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestLogFlags: --log-format json writes one JSON object a line, text key=value, at
// --log-level and above; anything else is a usage error naming the flag.
func TestLogFlags(t *testing.T) {
	parse := func(args ...string) (*LogFlags, error) {
		var l LogFlags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		l.Register(fs, "info")
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return &l, l.Check()
	}
	l, err := parse("--log-format", "json", "--log-level", "warn")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := l.Logger(&buf)
	log.Info("not shown")
	log.Warn("disconnected", "peer", "n2", "reason", `closed "by" peer`)
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, buf.Bytes())
	}
	if got["level"] != "WARN" || got["msg"] != "disconnected" || got["peer"] != "n2" || got["reason"] != `closed "by" peer` {
		t.Fatalf("logged %v", got)
	}

	l, err = parse()
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	l.Logger(&buf).Info("ready", "node", "n1")
	if !strings.Contains(buf.String(), "level=INFO msg=ready node=n1") {
		t.Fatalf("the default, text at info: %q", buf.String())
	}

	for args, want := range map[[2]string]string{
		{"--log-format", "xml"}: `--log-format "xml": want text or json`,
		{"--log-level", "loud"}: `--log-level "loud": want debug, info, warn or error`,
	} {
		if _, err := parse(args[0], args[1]); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want a usage error %q", args, err, want)
		}
	}
}
