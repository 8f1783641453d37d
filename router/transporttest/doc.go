// Package transporttest is the contract every router.Transport must keep, as one test
// suite: a message arrives with every field intact (up to the largest hop count, ids
// and versions) and its sender named, in order per pair of nodes, in both directions
// and across kinds (routes and casts in order per router instance); Send only queues,
// never delivers within the call, and reads the sender's message in place without
// changing or keeping it; a send to a node that is not known or not connected fails
// at once with router.ErrUnreachable, a message whose send failed never arrives, and
// once the node is back a later send gets through; a closed transport's send fails at
// once, never panics, and nothing more is handed to its node (for a Harness that is
// also a Closer; a transport with a Closed method, which driver.New asks, says
// false until then and true from its Close on); a send to a node that is connected but takes nothing in is refused
// at once with router.ErrOverloaded once its queue is full, the refused message never
// arrives, and once the node takes in again a send gets through (for a Harness that
// is also an Overloader, which also makes "Send only queues" exact: a send to a node
// that takes nothing in returns, and hands it nothing). The simulated network (package
// netmodel) and the TCP transport (package router/nettransport) both run it, each
// behind a Harness.
//
// A test calls Run with a function that builds a fresh Harness:
//
//	func TestContract(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T) transporttest.Harness { return newHarness(t) })
//	}
//
// What a production transport owes the driver beyond this contract (Send from many
// goroutines at once, hand-over one message at a time per sender, what Close means)
// is in package router/driver's documentation, "A transport of your own".
package transporttest
