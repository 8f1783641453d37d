//go:build unix

package nettransport

import (
	"net"
	"syscall"
)

// unread reports whether bytes from the other side of nc wait in the kernel, unread:
// it peeks at one without taking it. False if nc has no socket to ask.
func unread(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var n int
	var buf [1]byte
	_ = rc.Control(func(fd uintptr) {
		n, _, _ = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	})
	return n > 0
}
