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

// handed holds what FreeAddr draws from: blocks of the range it claimed for this
// process (claimBlock), and left, the ports of them it has not handed out, in random
// order. It never hands a port out twice, since what it returns is free only until
// someone binds it (a test that takes a node's cluster and admin ports with two calls
// got the same port twice, and the node failed to start).
var handed struct {
	sync.Mutex
	blocks []net.Listener
	left   []int
}

// blockSize is how many ports claimBlock claims at a time: 60 blocks in the range.
const blockSize = 200

// claimBlock claims a block of ports no other process on the machine draws from: it
// binds an abstract unix socket named for the block, which the kernel lets one
// process at a time hold, and gives up when the process exits (no file is left).
// Tests run as parallel processes, one per package: without it, a port one handed
// out and whose node was down for a restart, so free for a moment, could be handed
// out by another, and the restarted node could not bind it. It reports false when
// every block is taken.
func claimBlock() bool {
	n := (portHigh - portLow) / blockSize
	first := rand.IntN(n)
	for i := range n {
		b := (first + i) % n
		l, err := net.Listen("unix", blockName(b))
		if err != nil {
			continue
		}
		handed.blocks = append(handed.blocks, l)
		for p := portLow + b*blockSize; p < portLow+(b+1)*blockSize; p++ {
			handed.left = append(handed.left, p)
		}
		rand.Shuffle(len(handed.left), func(i, j int) { handed.left[i], handed.left[j] = handed.left[j], handed.left[i] })
		return true
	}
	return false
}

// blockName names the abstract unix socket that claims block b.
func blockName(b int) string { return "@ensroute-realcluster-ports-" + strconv.Itoa(b) }

// FreeAddr returns a loopback address whose port was free a moment ago, chosen at
// random below the ephemeral range from the blocks this process claimed, and never
// returned before by this process; if every block is claimed and drawn, one the
// kernel picks.
func FreeAddr() string {
	handed.Lock()
	defer handed.Unlock()
	for len(handed.left) > 0 || claimBlock() {
		port := handed.left[len(handed.left)-1]
		handed.left = handed.left[:len(handed.left)-1]
		addr := "127.0.0.1:" + strconv.Itoa(port)
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
