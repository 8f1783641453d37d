package main

import (
	"io"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHelloAnswer: a connection to the admin address whose first bytes are a cluster
// hello (the frame magic first) is answered with an HTTP 400 that names the address
// for what it is, and its read ends in an error; what follows a first read of an HTTP
// request is passed on as it is, whatever its first byte (a request body may begin
// with the magic's byte).
func TestHelloAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes [][]byte
		reads  []string // what each read gets, "error" for errHello
		answer string   // what the dialer reads back
	}{
		{name: "hello", writes: [][]byte{{frameMagic0, 1, 2, 3}}, reads: []string{"error"}, answer: helloAnswer},
		{name: "request, then a body with the magic's byte first",
			writes: [][]byte{[]byte("POST /debug/pprof/symbol HTTP/1.1\r\n"), {frameMagic0, 'x'}},
			reads:  []string{"POST /debug/pprof/symbol HTTP/1.1\r\n", string([]byte{frameMagic0, 'x'})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := net.Pipe()
			defer client.Close()
			// The dialer writes, then reads what it is answered until the
			// connection closes.
			answered := make(chan string, 1)
			go func() {
				for _, w := range tc.writes {
					if _, err := client.Write(w); err != nil {
						answered <- err.Error()
						return
					}
				}
				b, _ := io.ReadAll(client)
				answered <- string(b)
			}()
			c := &helloConn{Conn: server}
			var reads []string
			for range tc.reads {
				buf := make([]byte, 256)
				n, err := c.Read(buf)
				if err == errHello {
					reads = append(reads, "error")
					continue
				}
				if err != nil {
					reads = append(reads, err.Error())
					continue
				}
				reads = append(reads, string(buf[:n]))
			}
			_ = server.Close()
			if diff := cmp.Diff(tc.reads, reads); diff != "" {
				t.Errorf("reads (-want +got):\n%s", diff)
			}
			if got := <-answered; got != tc.answer {
				t.Errorf("the dialer read %q, want %q", got, tc.answer)
			}
		})
	}
	if want := "HTTP/1.1 400 Bad Request\r\n"; helloAnswer[:len(want)] != want {
		t.Errorf("the answer to a hello begins %q, want %q", helloAnswer[:len(want)], want)
	}
}
