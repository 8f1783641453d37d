package router

// Stats counts what a node did, including the rare paths the simulator's coverage
// probes watch. Counters only grow.
type Stats struct {
	Calls     uint64           // calls started
	Completed [numCodes]uint64 // calls completed, by the code of their outcome
	Late      uint64           // replies dropped because their call was not pending
	Stale     uint64           // of Late: replies addressed to an earlier incarnation
	Redirects uint64           // nacks redirected to a newer leader
	HopLimit  uint64           // requests refused because the hop limit was reached
	Budget    uint64           // requests dropped because their budget was spent at a hop
	NoLeader  uint64           // requests dropped at a remote hop with no leader known (riak)
	FwdDrop   uint64           // forwards dropped because they reached a non-leader (riak)
	Unreached uint64           // sends the transport refused
	CastDrop  uint64           // casts dropped for any reason
	NoPeer    uint64           // requests for a peer this node does not host
	Twice     uint64           // peer answers ignored because the request was answered already
	Workers   uint64           // riak worker timeouts answered
	Shed      uint64           // routed messages refused because a mailbox was full
}
