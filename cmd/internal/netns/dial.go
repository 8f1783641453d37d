package netns

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn on a thread that has entered host name's namespace, and returns what fn
// returns. Sockets fn opens belong to that namespace for good, whatever thread uses
// them later; the rest of the process stays where it is.
func (n *Net) Do(name string, fn func() error) error {
	h, err := n.host(name)
	if err != nil {
		return err
	}
	ch := make(chan error, 1)
	go func() { ch <- doIn(h.NS, fn) }()
	return <-ch
}

// doIn enters namespace ns on a locked thread, runs fn, and comes back. Should the
// way back fail, the goroutine exits still locked, and the runtime ends the thread
// rather than reuse it.
func doIn(ns string, fn func() error) error {
	runtime.LockOSThread()
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: own namespace: %w", err)
	}
	defer unix.Close(home)
	target, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: %s: %w", ns, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: enter %s: %w", ns, err)
	}
	fnErr := fn()
	if err := unix.Setns(home, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: leave %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return fnErr
}

// Dialer returns a dial function that opens TCP connections from host name's
// namespace.
func (n *Net) Dialer(name string) func(ctx context.Context, addr string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		var c net.Conn
		err := n.Do(name, func() error {
			var d net.Dialer
			var err error
			c, err = d.DialContext(ctx, "tcp", addr)
			return err
		})
		return c, err
	}
}

// Listen opens a TCP listener on addr in host name's namespace.
func (n *Net) Listen(name, addr string) (net.Listener, error) {
	var l net.Listener
	err := n.Do(name, func() error {
		var err error
		l, err = net.Listen("tcp", addr)
		return err
	})
	return l, err
}
