package main

import (
	"errors"
	"net"
)

// helloListener is the admin server's listener. A node or client that dials the admin
// address as if it were a cluster port (a --peers entry that gives the admin port)
// sends a hello that begins with the frame magic and holds no line break: the HTTP
// server would wait out its ReadHeaderTimeout (5s) for a request line while the dialer
// waited about as long for an answer, and the dialer would give up with a timeout that
// says nothing of HTTP. A connection whose first byte is the magic's gets an HTTP 400
// at once instead, which the dialer reports as an HTTP server's answer
// (nettransport: "an HTTP response: the address is an HTTP server's (an admin
// port?), not a node's cluster port"), and is closed.
type helloListener struct{ net.Listener }

func (l helloListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &helloConn{Conn: c}, nil
}

// frameMagic0 is the first byte of every nettransport frame (TestAdminAnswersAHello
// fails if it changes), and of no HTTP request, which begins with a method's letters.
const frameMagic0 = 0xE5

// helloAnswer is what a hello gets from the admin server.
const helloAnswer = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" +
	"this is an ensnode admin address (/metrics, /healthz, /readyz, /debug/pprof), not a node's cluster port (its --listen or --peers address)\n"

// errHello ends the HTTP server's reading of a connection that sent a hello.
var errHello = errors.New("a cluster hello on the admin address")

// helloConn answers a hello in its first read; the HTTP server reads a connection
// from one goroutine at a time, so checked needs no lock.
type helloConn struct {
	net.Conn
	checked bool
}

func (c *helloConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.checked && n > 0 {
		c.checked = true
		if p[0] == frameMagic0 {
			_, _ = c.Conn.Write([]byte(helloAnswer)) // the connection closes whatever becomes of it
			return 0, errHello
		}
	}
	return n, err
}
