// Package realscenario runs a simulator scenario (a scenarios.Spec) against real
// ensnode processes: the same cluster shape, ensembles, workload, leader changes and
// the faults that make sense for processes, on loopback or, for partitions, in network
// namespaces. It is a smoke check, not a replay: real time and real scheduling make
// every run different. What it checks is what the simulator checks where a real run
// can observe it:
//
//   - exactly-once: every call returned, once (load);
//   - deadline: no call ended past its deadline plus the slack (Options.Slack, and
//     with Options.ExcuseDelay the scheduling delay measured in this process while
//     the call ran), no
//     timeout came early;
//   - reply-matches-call: a successful answer is the one to the call's own event;
//   - late-discarded: replies that came after their call ended were dropped and
//     counted by the caller's node, never delivered (the calls' own answers prove the
//     second half);
//   - no-leak: once the workload and the faults are over, every node's router
//     mailboxes and send queues drain to zero.
//
// How a spec maps onto processes (Plan says so for each spec, and refuses what it
// cannot map unless told to skip it):
//
//   - nodes become ensnode processes (at most MaxNodes), with Routers router instances,
//     MailboxCap mailboxes (left out, unbounded in the simulator: the largest ensnode
//     takes, driver.MaxQueued over the routers, where its own default holds 1,024)
//     and ReplyHold as --reply-hold (left out, 0: no reply is held, as in the
//     simulator, where ensnode's own default holds for 3s);
//   - DetectAfter becomes every node's --heartbeat-timeout, and the client's
//     transport's, with a ping every HeartbeatPings-th of it (--heartbeat-interval):
//     a cut is noticed after it, and the calls across it fail at once, as in the
//     simulator. The heartbeat takes a pause for a cut, so a spec that pauses nodes and
//     cuts no link gets PauseDetectAfter instead (0, never: ensnode's own 3s); the
//     differences left (pauses in a spec that also cuts, a DetectAfter of 0 or under
//     MinDetect) are listed in Plan.NotApplied. BackoffMin and BackoffMax become
//     --backoff-min and --backoff-max, and the client's (left out, a link back at
//     once in the simulator: ensnode's own, and the client's 10ms to 200ms);
//   - the demo peer takes the mean of Peer.Service (Dist.Expected, its Min included)
//     per call (--service), on the router instance that hands it the call, which it
//     holds up meanwhile; the simulated peer holds up no router, so a service time
//     whose work (the mean times the workload's rate) keeps more than MaxPeerBusy
//     of a node's router instances busy is refused;
//   - ensembles keep their members' nodes (ensnode names a peer after its node, so an
//     ensemble has at most one member per node); the first leader leads;
//   - the workload is an open stream of calls at Rate for Duration with Timeout, from a
//     client node in this process, through every member in turn (clients and
//     ClientShare: every call comes from a client);
//   - an election makes its new leader lead at At+Duration (the leaderless period is
//     not reproduced), on a goroutine of its own: the lead waits up to 1s for its
//     member's answer, and the steps after it keep their times, except a lead of the
//     same ensemble, which waits for it to end (a member that answers late, paused
//     say, would take the lead after the later one and undo it);
//   - crash/restart kill and restart a process; pause/resume send SIGSTOP/SIGCONT
//     (one that finds its node where the simulator does nothing with it, a crash of
//     a node already down, say, is no step: Plan.Idle);
//     partition/heal cut a node's link in its namespace (Options.Netns): a partition
//     must put a single node on one side;
//   - steps run until the last call's deadline (Duration plus Timeout), as the
//     simulator's do while calls are in flight: a resume, heal or restart due after
//     the workload still ends its fault for the calls it holds up. A step due later is
//     reported as not run (with the time it was due, and none of its own), and one
//     that fails is listed in Report.FailedSteps: the run
//     goes on without it, breaking no invariant.
//
// Run as ensnode runs it, and listed in Plan.NotApplied: Peer.HonorBudget (the demo
// peer works through a call whose budget has run out; its caller has timed out either
// way, but its reply is sent late) and Liveness (the liveness phase is not checked).
// The real code's own, with no ensnode flag to set them, whatever the spec says:
// what a cut does to messages in flight
// (Fault.InFlight: the link drops them, and TCP sends them again after the heal while
// the connection lasts), the hop limit, the routers' service time (RouterService) and
// gossip. So a partition costs more calls than in the simulator: README.md, after
// the example of ensctl scenario, says how many and why.
//
// The link's latency is the real network's; the rest of a link model (link.drop,
// link.dup, link.reorder, link.unordered, links of their own), clocks of a node's
// own, one-way partitions, hold/release, clock faults, slow and hang peers, rules,
// bursts, calls straight to a member and casts have no process equivalent here.
//
// A run ctx ends, at whatever point (as the cluster starts, during the workload, in
// the checks after it), is reported interrupted (Report.InterruptedDuring), without
// the violations of the checks it cut off.
package realscenario
