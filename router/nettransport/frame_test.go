package nettransport

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func frame(t frameType, body []byte) []byte {
	return append(appendHeader(nil, t, len(body)), body...)
}

func TestFrameReader(t *testing.T) {
	small := bytes.Repeat([]byte("s"), 10)
	big := bytes.Repeat([]byte("b"), 6000) // larger than the reader's buffer
	var stream []byte
	stream = append(stream, frame(typePing, nil)...)
	stream = append(stream, frame(typeMsg, small)...)
	stream = append(stream, frame(typeMsg, big)...)
	stream = append(stream, frame(typeMsg, small)...)
	fr := newFrameReader(bytes.NewReader(stream), 4096, 8192)
	var got []string
	for {
		h, body, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.typ.String()+":"+string(body[:min(len(body), 2)])+":"+string(rune('0'+len(body)%10)))
	}
	want := "ping::0 msg:ss:0 msg:bb:0 msg:ss:0"
	if strings.Join(got, " ") != want {
		t.Fatalf("frames %v, want %s", got, want)
	}
}

func TestFrameReaderRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream []byte
		want   string
	}{
		{name: "bad magic", stream: []byte("GET / HTTP/1.1\r\n"), want: "bad magic"},
		{name: "unknown type", stream: appendHeader(nil, 42, 0), want: "unknown frame type 42"},
		{name: "zero type", stream: appendHeader(nil, 0, 0), want: "unknown frame type 0"},
		{name: "type past the last", stream: appendHeader(nil, numTypes, 0), want: "unknown frame type 8"},
		{name: "bad second magic byte", stream: []byte{magic0, 0, Version, byte(typeMsg), 0, 0, 0, 0}, want: "bad magic"},
		// A length past the limit is refused from the header alone: nothing is
		// allocated for it.
		{name: "too long", stream: appendHeader(nil, typeMsg, 1<<31-1), want: "exceeds the limit of 8192"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := newFrameReader(bytes.NewReader(tc.stream), 4096, 8192)
			_, _, err := fr.next()
			if !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadFrame containing %q", err, tc.want)
			}
			if cap(fr.scratch) != 0 {
				t.Fatalf("allocated %d bytes for a refused frame", cap(fr.scratch))
			}
		})
	}
	t.Run("truncated body", func(t *testing.T) {
		s := frame(typeMsg, bytes.Repeat([]byte("x"), 100))
		_, _, err := newFrameReader(bytes.NewReader(s[:50]), 4096, 8192).next()
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("err = %v, want unexpected EOF", err)
		}
	})
}
