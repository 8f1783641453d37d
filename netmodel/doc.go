// Package netmodel is the simulated network of ensroute: it implements the router's
// ports (router.Clock, router.Transport, router.Rand) on top of the sim kernel, so
// router.Nodes run unchanged inside a seeded, reproducible world.
//
// # A guided tour
//
// A [Net] lives on one sim.World and is built by [New] from a [Config]: the number of
// router instances per node, their per-message service time, the default [Link], and
// how long a partition goes unnoticed ([Config.DetectAfter]). Bad configuration comes
// back as an error wrapping [ErrBadConfig] that names the field.
//
// Durations are drawn from a [Dist]: constant, uniform, exponential or lognormal, each
// a minimum plus a random part; [Duration] reads and writes JSON as text ("250us") and
// refuses bare numbers, so specs stay unambiguous by hand.
//
// [Net.AddHost] adds a [Host], one simulated node. Its [Host.Clock], [Host.Transport]
// and [Host.Rand] are the ports to build a router.Node with; [Host.Attach] makes that
// node (any [Receiver]) the one the host hands messages and timers to.
//
// A send judges the directed link from sender to receiver: a noticed partition fails
// at once with router.ErrUnreachable; an unnoticed one, or loss ([Link.Drop]), loses
// the message silently; otherwise it arrives after a latency drawn from the link's
// Dist, in send order unless the link is [Link.Unordered]. [Net.SetLink] overrides one
// direction. [Net.Partition] and [Net.PartitionOneWay] cut links, [Net.Heal] mends
// them all; a message in flight across a link that is cut when it arrives is lost.
//
// On arrival, router-instance work (router.Kind.Queued: routes and casts) waits in the
// mailbox of the instance it names and is served one message at a time, each taking a
// service time, so queueing at a busy router is visible; other kinds (replies, peer
// events, gossip) are handed over at once. Either way the receiver is told when the
// message arrived, so it can charge the mailbox wait to the request's budget.
//
// [Host.Crash] ends an incarnation: queued messages, messages that arrive while the
// host is down and anything the old incarnation's ports still send are counted as
// orphans, and its timers are withdrawn, never to fire. [Host.Restart] starts a new incarnation with fresh ports. [Host.Busy] counts
// armed timers and queued messages, for the no-leak check; [Net.Stats] counts what the
// network did, and every move is also written to the World's trace.
//
// Randomness comes from the World's named streams: "net" for links, "service" for
// service times and "router/<id>" for each host's router picks. The same seed and the
// same calls give the same trace hash.
package netmodel
