// Package load drives calls at a cluster and checks the promise each one carries.
//
// A load is a number of closed-loop callers (or an open stream of calls at a rate),
// each call to one of a few targets (an ensemble through a member), with a deadline.
// Every call sends "echo TOKEN", a token unique to the call, which the demo peer of
// ensnode answers as it is; so the load checks, call by call:
//
//   - deadline: the call ended no later than its deadline plus Config.Slack, and a
//     timeout did not come before the deadline;
//   - reply-matches-call: a successful answer is the answer to this call's own event,
//     from a peer of the ensemble called;
//   - exactly-once: every call that started returned, once (Stop reports the calls
//     that never did).
//
// Outcomes are counted per phase (Run.Phase names the period a fault lasts) and
// ensemble, with latency histograms, so a test can ask, say, which share of the calls
// to the ensemble of a killed node failed fast. Summary.Line prints the figures on one
// line; Summary.Check turns violations into an error, and Summary.CheckExcused does so
// allowing each call past its deadline the scheduling delay its process suffered
// while it ran (an Excuse).
package load
