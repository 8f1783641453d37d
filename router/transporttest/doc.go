// Package transporttest is the contract every router.Transport must keep, as one test
// suite: a message arrives with every field intact and its sender named, in order per
// pair of nodes, in both directions; a send to a node that is not known or not
// connected fails at once with router.ErrUnreachable, and once the node is back a
// later send gets through. The simulated network (package netmodel) and the TCP
// transport (package router/nettransport) both run it, each behind a Harness.
//
// A test calls Run with a function that builds a fresh Harness:
//
//	func TestContract(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T) transporttest.Harness { return newHarness(t) })
//	}
package transporttest
