package realcluster

import (
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
)

// Ports handed out by FreeAddr lie below Linux's default ephemeral range
// (32768-60999). A port the kernel picks for "127.0.0.1:0" comes from that range, as
// do the source ports of every outgoing connection of every process on the machine,
// so between the moment such a port is found free and the moment a node binds it,
// another test's connection can take it and the node fails to start. Nothing takes a
// port below the range unless it asks for that very port.
const (
	portLow  = 20000
	portHigh = 32000
)

// handed holds the ports FreeAddr has handed out in this process: it never hands one
// out twice, since what it returns is free only until someone binds it (a test that
// takes a node's cluster and admin ports with two calls got the same port twice, and
// the node failed to start).
var handed struct {
	sync.Mutex
	ports map[int]bool
}

// FreeAddr returns a loopback address whose port was free a moment ago, chosen at
// random below the ephemeral range and never returned before by this process; if none
// of its tries is such a port, one the kernel picks.
func FreeAddr() string {
	handed.Lock()
	defer handed.Unlock()
	if handed.ports == nil {
		handed.ports = map[int]bool{}
	}
	for range 64 {
		port := portLow + rand.IntN(portHigh-portLow)
		if handed.ports[port] {
			continue
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			handed.ports[port] = true
			return addr
		}
	}
	addr := freeAddr()
	if _, p, err := net.SplitHostPort(addr); err == nil {
		if port, err := strconv.Atoi(p); err == nil {
			handed.ports[port] = true
		}
	}
	return addr
}

// freeAddr returns a loopback address the kernel picked, free a moment ago.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:1"
	}
	defer l.Close()
	return l.Addr().String()
}
