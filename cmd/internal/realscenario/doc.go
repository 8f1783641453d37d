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
//     MailboxCap mailboxes and ReplyHold as --reply-hold (left out, 0: no reply is
//     held, as in the simulator, where ensnode's own default holds for 3s); the demo
//     peer takes the mean of Peer.Service per event;
//   - ensembles keep their members' nodes (ensnode names a peer after its node, so an
//     ensemble has at most one member per node); the first leader leads;
//   - the workload is an open stream of calls at Rate for Duration with Timeout, from a
//     client node in this process, through every member in turn (clients and
//     ClientShare: every call comes from a client);
//   - an election makes its new leader lead at At+Duration (the leaderless period is
//     not reproduced);
//   - crash/restart kill and restart a process; pause/resume send SIGSTOP/SIGCONT;
//     partition/heal cut a node's link in its namespace (Options.Netns): a partition
//     must put a single node on one side.
//
// The link's latency is the real network's; the rest of a link model (link.drop,
// link.dup, link.reorder, link.unordered, links of their own), clocks of a node's
// own, one-way partitions, hold/release, clock faults, slow and hang peers, rules,
// bursts, calls straight to a member and casts have no process equivalent here. The
// simulated routers' service time, the hop limit, gossip and failure detection
// settings are the real code's own.
package realscenario
