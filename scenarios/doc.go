// Package scenarios builds simulated clusters from a Spec, runs them on the sim kernel
// through netmodel, and checks every invariant of the router on every run.
//
// A tour:
//
//   - A Spec is plain JSON-serialisable data: member and client-only nodes, router
//     instances and their service time, the network, ensembles and their members, the
//     peers' service time, an open-loop workload, elections, faults and the liveness
//     phase. Parse reads one (refusing unknown keys); Validate names the bad field
//     and holds the spec to MaxCalls planned calls, MaxSpan of schedule, MaxNodes
//     nodes and clients, MaxEnsembles ensembles, and MaxGossipSends anti-entropy
//     messages carrying MaxGossipEntries directory entries.
//   - A Repro (NewRepro) records a failing run: its spec, seed and semantics, and
//     what it broke. ParseRepro reads one back as strictly as Parse reads a spec.
//   - Named returns the built-in scenarios (Names lists them): steady, slow-leader,
//     no-leader, leader-churn, partition-heal, directory-regression and the fault
//     library (slow-leader-retry and retry-storm among it: callers that retry,
//     Workload.Retry), nine-nodes, and scale (1,000 nodes, 10,000 ensembles, a
//     million calls).
//     Heavy says which are too slow for loops over every scenario; QuickNames lists
//     the rest.
//   - Run builds the world for a seed and a router.Semantics, runs it until it is quiet,
//     and returns a Report: calls by outcome, late replies discarded, latency
//     percentiles, coverage probes, violations and the trace hash. The same spec, seed
//     and semantics always give the same trace hash.
//   - Simulated peers lead (answer after a service time, or slowly, or never), follow
//     (forward once to the leader their node's directory names) or are in an election
//     (nack). Leader changes reach the leader's node first and spread by gossip over
//     the simulated network, so partitions delay them as in a real cluster.
//   - The checker watches from the side: exactly-once, deadline, late-discarded,
//     reply-matches-call, result-from-peer, hop-bound, no-leak and liveness. Each one
//     is shown to catch the bug it exists for in bugs_test.go.
//   - Package scenarios/specgen draws whole specs with rapid, for property tests here
//     and in other modules (README.md, "Property tests and the failing-seed
//     workflow"); no program links it, so none links rapid.
//
// Randomness comes from named streams of the run's seed, one per concern ("workload",
// "net", "service", "peers" for the leaders' service times, "heartbeats",
// "router/<node>", and the network's "reconnect" and "resume"), so changing the
// workload does not reshuffle the network, nor an election the leaders' service.
package scenarios
