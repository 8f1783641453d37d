// Package netmodel is the simulated network of ensroute: it implements the router's
// ports (router.Clock, router.Transport, router.Rand) on top of the sim kernel, so
// router.Nodes run unchanged inside a seeded, reproducible world, and it is where every
// network and host fault of a scenario comes from.
//
// # A guided tour
//
// A [Net] lives on one sim.World and is built by [New] from a [Config]: the number of
// router instances per node, their per-message service time, the default [Link], how
// long a partition or a crashed host goes unnoticed ([Config.DetectAfter]) and how
// many messages a router instance's mailbox holds ([Config.MailboxCap]). Bad
// configuration comes back as an error wrapping [ErrBadConfig] that names the field.
//
// Durations are drawn from a [Dist]: constant, uniform, exponential or lognormal, each
// a minimum plus a random part; [Duration] reads and writes JSON as text ("250us") and
// refuses bare numbers, so specs stay unambiguous by hand.
//
// [Net.AddHost] adds a [Host], one simulated node. Its [Host.Clock], [Host.Transport]
// and [Host.Rand] are the ports to build a router.Node with; [Host.Attach] makes that
// node (any [Receiver]) the one the host hands messages and timers to.
//
// # Links
//
// A send judges the directed link from sender to receiver: a noticed partition, or a
// receiver noticed to have crashed, fails at once with router.ErrUnreachable (but a
// reply is held by its sender instead, if [Config.ReplyHold] is set, and sent once
// the receiver can be reached again, as the production transport holds replies for a
// node that is not connected); otherwise the message is sent, and then, in this
// order, an unnoticed partition in [InFlightDrop] mode loses it, the first [Rule]
// that applies gives its verdict, or else the link's own loss ([Link.Drop]) and
// duplication ([Link.Dup]) have their say. A message that survives arrives after a
// latency drawn from the link's Dist, in send order unless the link is
// [Link.Unordered] or the message draws [Link.Reorder]; a duplicate draws its own
// latency and ignores order. [Net.SetLink] overrides one direction.
//
// # Network faults
//
// [Net.Partition] and [Net.PartitionOneWay] cut links and [Net.Heal] mends them all.
// The cut sits at the far end of a link, and [InFlight] says what it does to a message
// that reaches it: [InFlightDrop] loses it, [InFlightStall] holds it until Heal, which
// delivers the stalled messages at once, in order. [Net.Hold] parks what arrives over
// some links (past any cut) until [Net.Release] or [Net.ReleaseAll] delivers it, in
// order; senders notice nothing. [Net.AddRule] adds a [Rule]: a
// [Match] on kind, ensemble (a reply's is that of the peer that produced it), call
// and link, an [Action] (drop, delay, duplicate), an
// optional limit on how many messages it takes and an optional trigger ([Rule.After])
// that arms it only once a given message has been sent.
//
// A sender that noticed a cut, a crash or a pause has lost its connection: once the
// cause ends, its link stays down, sends failing fast, until its next redial, drawn
// from a backoff that doubles from [Config.BackoffMin] to [Config.BackoffMax] with
// ±25% jitter, as the production transport redials ([DefaultBackoffMin],
// [DefaultBackoffMax]; BackoffMax 0 reconnects at once). An outage nobody noticed
// ends seamlessly.
//
// # Hosts
//
// On arrival, router-instance work (router.Kind.Queued: routes and casts) waits in the
// mailbox of the instance it names and is served one message at a time, each taking a
// service time, so queueing at a busy router is visible; other kinds (replies, peer
// events, gossip) are handed over at once. Either way the receiver is told when the
// message arrived, so it can charge the mailbox wait to the request's budget. A route
// or cast that finds its mailbox full (MailboxCap) is shed: a receiver that is a
// [Shedder], as router.Node is, hears of it and answers router.ErrOverloaded.
//
// [Host.Crash] ends an incarnation: queued messages, messages that arrive while the
// host is down and anything the old incarnation's ports still send are counted as
// orphans, and its timers are withdrawn, never to fire. A message keeps the
// incarnation it was sent to: one that arrives after a restart, sent before the crash
// or while the host was down, is an orphan too, wherever it waited (in flight, held at
// a link, stalled at a cut), as it dies in production with the connection it
// travelled on. Once the host has been down
// for [Config.DetectAfter], sends to it fail at once with router.ErrUnreachable.
// [Host.Restart] starts a new
// incarnation with fresh ports. [Host.Pause] freezes a host without killing it:
// arrivals are parked, services stop, timers wait; [Host.Resume] fires the timers that
// came due, late, and works off the parked arrivals in order (which of the two goes
// first is drawn from the "resume" stream when both have work); once a host has been
// paused for [Config.PauseDetectAfter] (if set), sends to it fail at once with
// router.ErrUnreachable until it resumes. Code that runs "on the
// node" outside the router goes through [Host.Defer], so a pause stops it too, and
// [Host.PausedTotal] says how long a host has been stopped.
//
// Each host has its own clock: a [ClockModel] (an offset, a constant drift and a slow
// periodic wander, set with [Host.SetClock]) and NTP-like jumps ([Host.StepClock]).
// Timers run on it: a timer fires when the host's clock reaches its deadline, so a
// fast clock fires early in virtual time, a forward step fires what it makes due at
// once and a backward step delays everything. [Host.ClockSteps] sums the forward steps
// made outside a pause; [Host.PausedLocal] counts those made during one.
// [Host.LostAfter] is the local time after a given reading that the host's timers
// could not fire in (its pauses and forward steps): how late a timer due then may
// fire, by which a deadline check on the host's clock forgives lateness.
//
// # Observing
//
// [Host.Busy] counts armed timers and waiting work, and [Net.Parked] the messages
// waiting at links, for the no-leak check; [Net.Stats] counts what the network did;
// every move is also written to the World's trace ("send", "lost", "dup", "rule",
// "held", "stalled", "released", "parked", "shed", "reply-held", "reply-released",
// "reply-dropped", "reconnect", "pause", "resume", "clock-set", "clock-step", ...),
// but for a send by a crashed incarnation's code, which never leaves its host
// (Stats.Orphans counts it). A record's msg_kind is the message's kind, but
// WorkerReply for a leader's answer to a riak worker (KindName), which is a reply
// to the worker's node, not to the caller's.
//
// Randomness comes from the World's named streams: "net" for links, "service" for
// service times, "reconnect" for redial jitter, "resume" for the order of a resumed
// host's late timers and parked arrivals, and "router/<id>" for each host's router
// picks. The same seed and the
// same calls give the same trace hash, and a fault left off draws nothing, so turning
// one on does not reshuffle the rest of a run that did not use it.
package netmodel
