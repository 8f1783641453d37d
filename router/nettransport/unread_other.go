//go:build !unix

package nettransport

import "net"

// unread reports whether bytes from the other side of nc wait unread; where the
// system gives no way to peek, false.
func unread(net.Conn) bool { return false }
