// Package driver runs the router core in production: router instances as goroutines
// with bounded mailboxes, blocking calls with context deadlines, a sharded pending
// registry, and directory gossip over any router.Transport (nettransport in ensnode
// and ensctl). The core itself (package router) starts no goroutine and takes no lock;
// everything concurrent is here.
//
// # Concurrency: shards of the core
//
// A router.Node is single-threaded: a driver must call it one turn at a time. One lock
// around one Node would serialize every call, every reply and every routed message of
// a node. Instead a driver Node runs Config.Shards router cores with the same node id
// and incarnation, each behind its own mutex, and the core stripes call ids over them
// (router.Config.Shards): a call picks a shard at random (or, that one busy, another
// that is free: see Calls) and registers in that shard's pending map; a reply goes by
// its call id (router.ShardOf) to the shard that owns it and takes only that shard's
// lock. The critical sections are the core's own decisions, a few hundred
// nanoseconds; nothing blocks under a lock (transport sends only queue) and no user
// code runs under one: a shard collects the peer hand-overs of a turn and runs them
// after unlocking, and the rare reply that belongs to another shard (a call routed
// away and back to its own node) goes to that shard the same way. Router instance i
// runs on shard i mod Shards and drains its mailbox in batches, one turn per batch.
//
// This keeps the whole routing logic in the core, shared with the simulator, at the
// cost of one small core change (call-id striping, which the simulator never
// switches on) and of per-shard copies of the directory: Learn applies an entry to
// every shard, in one global order, so the copies stay equal. Directory updates are
// rare; calls and replies are not.
//
// # Calls
//
// Call blocks the calling goroutine and no other: it takes one turn of a shard to
// start the call, then waits for the completion or for its context. The deadline is
// the context's: the core's deadline timer is never armed as a real timer; when the
// context expires the caller itself fires it on the shard's turn, which completes the
// call with router.ErrTimeout unless a reply got there first. A reply that gets there
// after the deadline, before the caller's turn, times the call out too (the node reads
// the clock as each reply comes), so a call never outlives its deadline (unless a
// peer on this node holds up the caller's goroutine: see Peer) and completes
// exactly once. Completions are handed over through a
// pooled one-slot channel: the transport's reader never waits for a caller.
//
// A deadline does not wait for a busy shard. A turn is short, but on a machine with
// far more runnable goroutines than cores (100,000 callers) a turn descheduled while
// it holds its shard's lock keeps it until the scheduler comes back to it, and every
// turn queued behind it waits too. A deadline (or a cancellation) that finds its
// shard busy ends the call at once with router.ErrTimeout, as the original's proxy,
// a process of its own, times out whatever its router does; the core fires the
// deadline on the shard's next turn, and an outcome it reached meanwhile (a reply
// that came first) goes nowhere, counted in Stats as the timeout and, unless it was
// a timeout too (under riak, any failure), a late reply.
// A call (or cast) whose shard is busy starts on another that is free, and waits
// only when every shard is busy. A call that waited for its shard to start until its
// deadline passed ends there with router.ErrTimeout, sending nothing
// (Stats.Expired); one that starts after a wait sends what is left of its timeout as
// its budget (under riak its whole timeout, as the original's leader hop restarts
// the clock), its deadline unmoved.
//
// CallTimeout is the same with a timeout instead of a context deadline, for many
// short calls: the deadline is a timer pooled with the waiter and armed only when the
// call has to wait (a local peer may answer during the call's own turn), and with a
// context that is never done the caller waits on its channel alone. Its expiry fires
// the deadline on the shard's turn just as an expired context does; a waiter whose
// timer fired is not reused, so an expiry never reaches a later call. A call's turn
// reads the clock once, for the core and for the timer.
//
// # Receiving
//
// The program hands the node what its transport receives (Receive): routes and casts
// go to the mailbox of the router instance the sender picked, and are shed when it is
// full (the caller gets router.ErrOverloaded); replies, peer events and gossip are
// handled on the reader's goroutine at once. Close answers what the mailboxes hold, and
// sheds the routes that arrive afterwards, so that a node stopping on purpose leaves
// no caller of the requests it took waiting out a deadline (but for those its peers
// hold to answer later: see "Wiring and stopping").
//
// # Directory
//
// Announce learns a leader change decided on this node and pushes it to every member
// at once; anti-entropy sends the whole directory to one member per
// Config.GossipInterval, round robin, and to a member as soon as it connects
// (PeerUp), in messages of a few KiB each however large the directory, each
// member's round resuming where the last one stopped. Entries only
// move forward (strictly newer versions). Only members are listened to: gossip from
// any other node (a client holding the cluster secret, say) is refused, as are
// entries whose leader is not a peer of their own ensemble; with Config.Ensembles,
// so are entries of an ensemble not listed there or whose leader is on a node that is
// not one of the ensemble's members (an entry with no leader, an election, is taken),
// so that an ensemble or a member removed from every node's configuration is
// forgotten.
//
// # Wiring and stopping
//
// A node is a transport and a driver Node attached to it (Example_tcp): the driver
// sends through Config.Transport, and the transport hands what it receives to
// Node.Receive (nettransport: Transport.Attach; with nettransport the node also hears
// of connections, PeerUp). The pair lives and dies together: a driver started again
// takes a new transport too, since on the old one it would have the closed driver's
// incarnation (and the transport's connections would go on handing their messages
// to the closed driver): New refuses a transport that has a receiver attached
// already, or that is closed (ErrBadConfig). Peers are added with AddPeer and removed with RemovePeer;
// who leads is the program's to say, with Learn or Announce.
//
// A graceful stop goes in this order: the transport's Goodbye, so that the other
// nodes stop sending here; the driver's Close, which answers what its mailboxes had
// taken and sheds what still arrives; the transport's Flush, so those answers are
// written; the transport's Close. Closing the transport first would leave every
// request on its way here to time out; closing the driver before the goodbye sheds
// (router.ErrOverloaded) requests that could still have been served. Close does not
// wait for the requests a peer holds to answer later from a goroutine of its own:
// their answers still go out until the transport closes, so a program lets its peers
// answer (or Nack) what they hold after the driver's Close and before the Flush, or
// their callers wait out their deadlines.
//
// Node.Stop makes the whole stop in that order, in one call bounded by a context:
// the goodbye, the driver's Close, a function of the program's (held) for its peers
// to answer what they hold, the flush and the transport's close, each of the
// transport's steps if the transport has the method (nettransport has all three).
// The place of held is Stop's to keep: before Stop a peer may still be handed
// requests to hold, and after it their answers go nowhere.
//
// # A transport of your own
//
// Config.Transport may be any router.Transport that keeps its contract (run
// router/transporttest against it): a company's RPC layer, unix sockets, channels
// in one process. Besides what router.Transport states, the driver asks of it:
//
//   - Send is called from many goroutines at once (callers, router instances,
//     readers, anti-entropy), some holding a shard's lock: it must be safe for
//     concurrent use and only queue. A transport that calls a Receive within Send
//     deadlocks the nodes (the receiving node's answer comes back to the sender,
//     whose lock its Send holds).
//   - The driver never sends to its own ID (a reply to another shard's call stays in
//     the node), so a transport need not loop a node's messages back to it.
//   - The transport hands each message it receives to Node.Receive on goroutines of
//     its own: for one sender one at a time, in the order sent; for several senders
//     at once if it likes (Receive is safe for concurrent use). The message is the
//     node's from then on: a peer may keep its Event, so the transport must not reuse
//     its slices. Receive may take as long as a peer's Handle (see Peer): a transport
//     that delivers every sender's messages on one goroutine holds them all up
//     meanwhile, and a Handle that calls another node and waits for the answer waits
//     out its deadline.
//   - From must name the node that sent the message: gossip is taken from
//     Config.Members by From, and under riak a leader answers a follower's forward
//     to its From. A transport that anyone can reach sets it from the sender it
//     authenticated, as nettransport does.
//   - Node.PeerUp when a connection to a node comes up (so that a member that
//     restarted gets the directory at once, not at the next anti-entropy round) and
//     Node.PeerDown when it ends; both are optional.
//   - An Identity() (router.NodeID, router.Incarnation) method is optional: with one,
//     New checks Config.ID and Config.Incarnation against it and takes its id for
//     an empty ID and its incarnation for an Incarnation of 0 (see "Incarnations").
//   - An Attached() bool method is optional too: New refuses a transport that says
//     something receives its messages already (a closed driver, most likely).
//   - A Closed() bool method is optional as well: New refuses a transport that says
//     it is closed (every call and cast through it would fail). transporttest
//     checks that one says false while open and true once closed.
//   - Close in the order of "Wiring and stopping": the driver's Close sends answers,
//     so the transport stays open until it returns. Node.Stop calls the
//     transport's Goodbye(context.Context) error, Flush(context.Context) error and
//     Close() error if it has them, as nettransport does, and skips those it lacks
//     (a transport the program closes itself after Stop). A Send after the transport has
//     closed fails at once (router.ErrUnreachable) and never panics: Announce still
//     sends after the driver's Close. Once closed, the transport hands nothing more
//     to Receive.
//
// # Client-only nodes
//
// A node with no Members and no peers is a client: it calls ensembles through a member
// (router.Target.Via). Answers come straight from the leader's node, which does not
// dial a client (it has no address for it): the program connects the client to every
// member itself (nettransport: Transport.Connect for each, whose dial loop then keeps
// it connected), or the answers of the leaders it is not connected to are lost and
// its calls to them time out.
//
// # Connecting
//
// Transports dial lazily: a call to a node not connected yet fails at once
// (router.ErrUnreachable; router.ErrTimeout under riak) while the dial starts, and a
// cast to it is dropped: Cast returns router.ErrUnreachable, under either semantics,
// and counts it (Stats.Router.CastDrop). A program connects to every other member at
// start (Transport.Connect for each, as ensnode and ensctl do; for its own id Connect
// fails), so that its first calls find them connected.
//
// A member that starts with no Directory (a node restarted, say) learns the
// directory from the other members when it connects: each sends it the whole
// directory as the connection comes up (PeerUp), which arrives a moment after
// Connect returns. Until then a call to an
// ensemble the node has not learned fails at once with router.ErrNoLeader. A program
// that restarts a node and calls at once gives it Config.Directory, or waits until
// Lookup finds the ensembles it calls.
//
// # Incarnations
//
// A restarted node must state a larger incarnation than before: replies still on their
// way to (or held for) its previous life carry the old one, and with the same
// incarnation they would be taken for answers to the new life's calls. Leave
// Config.Incarnation 0, and nettransport.Config's too: the transport takes one from
// the clock, and the node takes the transport's. Or give both the same
// NewIncarnation() (a driver whose Incarnation is not its transport's is refused);
// with a transport of your own that does not say its incarnation, 0 or
// NewIncarnation() alike. Never a constant. An empty Config.ID takes the transport's
// id the same way.
package driver
