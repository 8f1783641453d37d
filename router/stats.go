package router

// Stats counts what a node did, including the rare paths the simulator's coverage
// probes watch. Counters only grow.
type Stats struct {
	Calls     uint64           // calls started
	Completed [numCodes]uint64 // calls completed, by the code of their outcome
	Late      uint64           // replies dropped because their call was not pending, came after its deadline, or copied the nack that redirected it; under riak also leaders' answers to a riak worker that had given up
	Stale     uint64           // of Late: replies addressed to an earlier incarnation
	Redirects uint64           // nacks redirected to a newer leader
	HopLimit  uint64           // requests refused because the hop limit was reached
	Budget    uint64           // requests dropped because their budget was spent at a hop
	NoLeader  uint64           // requests dropped at a remote hop with no leader known (riak)
	FwdDrop   uint64           // forwards dropped because they reached a non-leader, or named no leader or the peer itself (riak)
	Unreached uint64           // sends the transport refused
	CastDrop  uint64           // casts dropped for any reason
	NoPeer    uint64           // requests for a peer this node does not host
	Twice     uint64           // peer answers ignored because the request was answered already, or (riak) its peer was removed: a dead process's
	Workers   uint64           // riak worker timeouts answered
	Shed      uint64           // routed messages refused because a mailbox was full
	// IdleFire counts timers that fired for a call no longer pending or a riak worker
	// no longer waiting. A production driver's stop can lose the race with a timer
	// that is firing; a simulated clock's stop never does, so there each is a timer
	// the node failed to stop.
	IdleFire uint64
}

// Add adds o's counters to s (for totals over nodes or incarnations).
func (s *Stats) Add(o Stats) {
	s.Calls += o.Calls
	for i := range o.Completed {
		s.Completed[i] += o.Completed[i]
	}
	s.Late += o.Late
	s.Stale += o.Stale
	s.Redirects += o.Redirects
	s.HopLimit += o.HopLimit
	s.Budget += o.Budget
	s.NoLeader += o.NoLeader
	s.FwdDrop += o.FwdDrop
	s.Unreached += o.Unreached
	s.CastDrop += o.CastDrop
	s.NoPeer += o.NoPeer
	s.Twice += o.Twice
	s.Workers += o.Workers
	s.Shed += o.Shed
	s.IdleFire += o.IdleFire
}
