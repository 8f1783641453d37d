// Package realcluster runs a cluster of real ensnode processes for tests and tools,
// and checks what it does under faults.
//
// Build builds the programs; New prepares a Cluster from a Config (its nodes, their
// ensembles, their addresses: loopback by default, or a network namespace each with
// Wrap and Dial, see cmd/internal/netns); Start starts the processes; WaitConnected
// waits, through each node's /healthz, until they are connected. Each Node is a
// process with the fault verbs of the simulator: Kill and Start (crash and restart,
// as a new incarnation), Pause and Resume (SIGSTOP and SIGCONT), and Term (SIGTERM,
// which must end the process cleanly). Memory reads a node's resident memory and its
// peak from /proc; Logged searches its logs. Client starts a client-only node in this
// process, which calls the cluster as ensctl does and serves as a load.Caller.
//
// The tests of this package are the reliability tests of the production path
// (README.md, "Reliability"): a killed node fails fast, a frozen leader holds no call
// past its deadline, a soak under a stream of faults, a flood that is shed, strangers
// that are refused, and, as root, faults in network namespaces.
package realcluster
