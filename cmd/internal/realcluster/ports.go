package realcluster

import (
	"math/rand/v2"
	"net"
	"strconv"
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

// FreeAddr returns a loopback address whose port was free a moment ago, chosen at
// random below the ephemeral range; if none of its tries is free, one the kernel
// picks.
func FreeAddr() string {
	for range 64 {
		addr := "127.0.0.1:" + strconv.Itoa(portLow+rand.IntN(portHigh-portLow))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr
		}
	}
	return freeAddr()
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
