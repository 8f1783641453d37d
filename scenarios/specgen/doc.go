// Package specgen draws whole scenarios.Spec values with pgregory.net/rapid, for
// property tests: this module's own (scenarios/property_test.go) and those of a
// module that runs its own worlds through scenarios.Run. It lives apart from
// scenarios so that the programs, which import scenarios, never link rapid.
//
// A tour:
//
//   - SpecGen draws a valid spec: 2..6 member nodes, 0..2 clients, 1..3 ensembles, a
//     small LAN-like network, a workload and up to 8 fault actions, each healed before
//     a liveness phase. It is PlanGen mapped through Plan.Spec.
//   - A Plan is what rapid draws and shrinks: counts, the network, the ensembles as
//     node indices, and a list of Actions (ActionKinds lists their kinds). Plan.Spec
//     maps any Plan onto a valid spec: indices past the cluster wrap, each disruption
//     gets its end, the liveness phase starts once the last fault has ended and the
//     directories have had time to converge, and a rate that would plan more calls
//     than a run takes (with RetryGen's attempts) comes down to what fits. Times set
//     by hand to many seconds (a peer's service, a gossip interval) can still make a
//     run past one of a spec's other limits, which scenarios.Run names.
//   - To draw worlds of a shape of your own, draw a Plan, set the fields you fix (Nodes,
//     Clients, Ensembles, Latency, ...) and keep the Actions you want, then call
//     Plan.Spec: the rest is still drawn, and shrinks (see the example). A spec changed
//     after Plan.Spec keeps its liveness phase, which a later fault may break:
//     scenarios.Run then refuses it, naming the fault.
//   - RetryGen draws how a workload's callers retry (scenarios.Retry), for worlds
//     that retry: draw a spec, then a Retry for its workload. SpecGen draws none.
//
// Run each drawn spec with scenarios.Run under router.Default and router.Riak; on a
// violation write scenarios.NewRepro(spec, seed, sem, report) to a file, which
// ensim replay runs again, and fail with Fail, which keeps the case rapid shrinks on
// the invariant it broke first (README.md, "Property tests of your own worlds, from
// your own module").
//
// The draws are fixed: for a given rapid seed SpecGen draws the same spec from one
// release to the next (TestDrawsUnchanged), because the shrunk cases and the times
// in README.md depend on them. A change to the ranges is a change to every recorded
// case.
package specgen
