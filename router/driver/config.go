package driver

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Config configures a Node. New fills in defaults; Validate changes nothing.
type Config struct {
	// ID, Incarnation, Semantics, Routers and HopLimit are the router core's (see
	// router.Config). A restarted node must use a larger Incarnation, or it may be
	// handed replies meant for its previous life: NewIncarnation gives one, and an
	// Incarnation of 0 takes one from it. ID and Incarnation must be the transport's
	// when it says what they are (an Identity method, as nettransport's): an empty ID
	// and an Incarnation of 0 then take the transport's, and a difference is refused
	// (ErrBadConfig); replies to another id or incarnation would never come back to
	// this node.
	ID          router.NodeID
	Incarnation router.Incarnation
	Semantics   router.Semantics
	Routers     int
	HopLimit    int
	// Shards is how many router cores share the node's work: calls spread over them,
	// and each keeps its own pending calls under its own lock. Default 8; at most
	// MaxShards (a directory update and a peer added take every shard's lock).
	Shards int
	// Mailbox bounds each router instance's mailbox; a route or cast that finds it
	// full is shed (the caller gets router.ErrOverloaded). Default 1024; Routers
	// times Mailbox is at most MaxQueued.
	Mailbox int
	// Transport sends to other nodes. Required. The program hands what it receives to
	// Node.Receive (nettransport: Attach the Node). A transport that says it has a
	// receiver attached already (an Attached method, as nettransport's) is refused: a
	// driver started again needs a new transport. So is one that says it is closed
	// (a Closed method, as nettransport's): every send through it fails.
	Transport router.Transport
	// Directory is the starting view of the leaders. Of several entries for one
	// ensemble the newest version counts; two that name different leaders with one
	// version are refused (ErrBadConfig), as Learn refuses the second (see Announce).
	Directory []router.Entry
	// Members are the nodes this one gossips its directory with, and the only nodes
	// whose gossip it takes (from any other node it is refused, counted and logged:
	// Stats.GossipRefused). Empty for a client-only node. It may list the node itself,
	// which is left out, so that every node can be given the same list.
	Members []router.NodeID
	// Ensembles, if not nil, are the ensembles whose leaders this node takes from
	// gossip, each with the nodes of its members: an entry for an ensemble it does not
	// hold, or naming a leader on a node that is not one of the ensemble's members, is
	// refused (counted and logged as gossip from a non-member is). Without it, an
	// ensemble removed from the configuration, or a member removed from an ensemble,
	// lived on for as long as any node ran: each node restarted without it took the
	// entry back from the others' gossip, and calls went to a leader that no longer
	// hosts it. Nil takes every entry (a program whose ensembles change as it runs).
	// Validate refuses an ensemble with no member node, and a Directory entry that
	// the filter would refuse (every node configured alike would refuse it too).
	Ensembles map[router.EnsembleID][]router.NodeID
	// GossipInterval is the period of anti-entropy: each round sends the whole
	// directory to the next member. At least MinGossipInterval; default 1s.
	GossipInterval time.Duration
	// Logger receives the node's warnings: directory conflicts (see Node.Learn),
	// gossip refused (see Config.Members), and a route or cast from a node that
	// names a router instance this one does not run (once per sender: the nodes'
	// Routers differ). Calls, replies and routing are otherwise counted (Node.Stats),
	// never logged. Default slog.Default().
	Logger *slog.Logger
}

// MaxShards is the most Shards a node takes (router.MaxShards): far more than there
// are cores to spread calls over.
const MaxShards = router.MaxShards

// MinGossipInterval bounds GossipInterval from below: each round sends the whole
// directory.
const MinGossipInterval = time.Millisecond

// Default values filled in by New.
const (
	DefaultShards         = 8
	DefaultMailbox        = 1024
	DefaultGossipInterval = time.Second
)

// MaxQueued is the most messages a node's mailboxes may hold together (Routers times
// Mailbox): their buffers are allocated up front, 248 bytes a message on a 64-bit
// machine, so this is 248 MiB.
const MaxQueued = 1 << 20

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	_, identifies := c.Transport.(identified)
	switch {
	// The transport first: an empty ID takes the transport's, so a program that left
	// the ID out, as the package's examples do, and whose transport is missing was told
	// that the ID is empty.
	case c.Transport == nil:
		return fmt.Errorf("%w: Transport is nil", ErrBadConfig)
	case isNil(c.Transport):
		// A transport whose constructor failed, its error ignored.
		return fmt.Errorf("%w: Transport is a nil %T", ErrBadConfig, c.Transport)
	case c.ID == "" && !identifies:
		return fmt.Errorf("%w: ID is empty", ErrBadConfig)
	case c.Semantics != router.Default && c.Semantics != router.Riak:
		return fmt.Errorf("%w: Semantics %d is unknown", ErrBadConfig, c.Semantics)
	case c.HopLimit < 0 || c.HopLimit > router.MaxHopLimit:
		return fmt.Errorf("%w: HopLimit %d is not in 0..%d", ErrBadConfig, c.HopLimit, router.MaxHopLimit)
	case c.Shards < 0 || c.Shards > MaxShards:
		return fmt.Errorf("%w: Shards %d is not in 0..%d", ErrBadConfig, c.Shards, MaxShards)
	case c.Mailbox < 0:
		return fmt.Errorf("%w: Mailbox %d is negative", ErrBadConfig, c.Mailbox)
	case c.Routers < 0 || c.Routers > router.MaxRouters:
		return fmt.Errorf("%w: Routers %d is not in 0..%d", ErrBadConfig, c.Routers, router.MaxRouters)
	case c.Mailbox > MaxQueued/c.routers():
		return fmt.Errorf("%w: Mailbox %d times Routers %d is over MaxQueued %d", ErrBadConfig, c.Mailbox, c.routers(), MaxQueued)
	case c.GossipInterval < 0:
		return fmt.Errorf("%w: GossipInterval %v is negative", ErrBadConfig, c.GossipInterval)
	case c.GossipInterval != 0 && c.GossipInterval < MinGossipInterval:
		return fmt.Errorf("%w: GossipInterval %v is below %v: each round sends the whole directory", ErrBadConfig, c.GossipInterval, MinGossipInterval)
	}
	for _, m := range c.Members {
		if m == "" {
			return fmt.Errorf("%w: Members holds an empty id", ErrBadConfig)
		}
	}
	if err := c.validateEnsembles(); err != nil {
		return err
	}
	for i := range c.Directory {
		// What Learn refuses, the directory does not start with either: anti-entropy
		// would send it to every member, which each would refuse for good. So with
		// Config.Ensembles: an entry this node's gossip refuses is refused by every
		// node configured as it is.
		p := c.Directory[i].Problem()
		if p == "" {
			p = unheldBy(c.Ensembles, &c.Directory[i])
		}
		if p != "" {
			return fmt.Errorf("%w: Directory[%d] (%v): %s", ErrBadConfig, i, c.Directory[i], p)
		}
	}
	if err := c.directoryConflict(); err != nil {
		return err
	}
	if id, ok := c.Transport.(identified); ok {
		tid, tinc := id.Identity()
		switch {
		case c.ID == "" && tid == "":
			return fmt.Errorf("%w: ID is empty, and so is the transport's", ErrBadConfig)
		case c.ID != "" && tid != c.ID:
			return fmt.Errorf("%w: ID %q is not the transport's (%q): replies to this node would go to another", ErrBadConfig, c.ID, tid)
		case c.Incarnation != 0 && c.Incarnation != tinc:
			return fmt.Errorf("%w: Incarnation %d is not the transport's (%d): leave it 0 to take the transport's", ErrBadConfig, c.Incarnation, tinc)
		}
	}
	if cl, ok := c.Transport.(closedState); ok && cl.Closed() {
		return fmt.Errorf("%w: Transport is closed already: every call and cast of this node would fail (unreachable); "+
			"a driver needs an open transport, a new one for a driver started again", ErrBadConfig)
	}
	if a, ok := c.Transport.(attached); ok && a.Attached() {
		return fmt.Errorf("%w: Transport has a receiver attached already: a driver started again needs a new transport "+
			"(on this one it would have the closed driver's incarnation, and the connections up would go on handing their messages to the closed driver)", ErrBadConfig)
	}
	return nil
}

// closedState is a transport that says whether it is closed, as nettransport's: one
// closed sends nothing, so a driver over it could do nothing beyond its own node.
type closedState interface {
	Closed() bool
}

// attached is a transport that says whether something receives its messages already,
// as nettransport's: that of another driver, most likely one closed to be started
// again.
type attached interface {
	Attached() bool
}

// directoryConflict refuses two Directory entries of one ensemble and one version
// that name different leaders: the node would keep whichever came first, and nodes
// given them in other orders would disagree until a newer version came.
func (c Config) directoryConflict() error {
	type key struct {
		e router.EnsembleID
		v uint64
	}
	var seen map[key]int
	for i := range c.Directory {
		e := &c.Directory[i]
		k := key{e.Ensemble, e.Version}
		j, ok := seen[k]
		if !ok {
			if seen == nil {
				seen = make(map[key]int, len(c.Directory))
			}
			seen[k] = i
			continue
		}
		if c.Directory[j].Leader != e.Leader {
			return fmt.Errorf("%w: Directory[%d] (%v) and Directory[%d] (%v) name two leaders with one version: "+
				"each change of leader needs a version of its own", ErrBadConfig, j, c.Directory[j], i, *e)
		}
	}
	return nil
}

// validateEnsembles refuses an ensemble of Config.Ensembles with an empty id, with no
// member node (every leader of it would be refused), or with an empty node id; the
// first in the order of their ids.
func (c Config) validateEnsembles() error {
	for _, e := range slices.Sorted(maps.Keys(c.Ensembles)) {
		nodes := c.Ensembles[e]
		switch {
		case e == "":
			return fmt.Errorf("%w: Ensembles holds an empty ensemble id", ErrBadConfig)
		case len(nodes) == 0:
			return fmt.Errorf("%w: Ensembles[%s] lists no member node: every leader of it would be refused (leave the ensemble out to refuse it)", ErrBadConfig, e)
		case slices.Contains(nodes, ""):
			return fmt.Errorf("%w: Ensembles[%s] holds an empty node id", ErrBadConfig, e)
		}
	}
	return nil
}

// unheldBy says why e is not for the directory of a node with Config.Ensembles
// ensembles: its ensemble is not one of them, or its leader's node is not one of the
// ensemble's members; "" if it is, or if ensembles is nil.
func unheldBy(ensembles map[router.EnsembleID][]router.NodeID, e *router.Entry) string {
	if ensembles == nil {
		return ""
	}
	members, ok := ensembles[e.Ensemble]
	switch {
	case !ok:
		return unheldEnsemble
	case e.Leader != (router.PeerRef{}) && !slices.Contains(members, e.Leader.Node): // none: an election
		return unheldLeader
	}
	return ""
}

// Why an entry is refused under Config.Ensembles (unheldBy, Node.unheld).
const (
	unheldEnsemble = "the ensemble is not one of this node's (Config.Ensembles): removed from the configuration, or not yet added to this node's"
	unheldLeader   = "the leader's node is not a member of the ensemble in this node's configuration (Config.Ensembles): removed from it, or not yet added to this node's"
)

// identified is a transport that says which node it speaks for, as nettransport's.
type identified interface {
	Identity() (router.NodeID, router.Incarnation)
}

// NewIncarnation returns an incarnation for a node starting now: the nanoseconds since
// 1970, larger than any a node of this id had before, as long as the clock does not
// go back between its lives. (nettransport.Config takes one the same way when its
// Incarnation is 0.)
func NewIncarnation() router.Incarnation { return router.Incarnation(time.Now().UnixNano()) }

// routers is Routers with its default filled in.
func (c Config) routers() int {
	if c.Routers == 0 {
		return router.DefaultRouters
	}
	return c.Routers
}

func (c *Config) fill() {
	if id, ok := c.Transport.(identified); ok && c.ID == "" {
		c.ID, _ = id.Identity()
	}
	if c.Incarnation == 0 {
		// Never a constant: a transport that says its incarnation gives it, and
		// otherwise this start does, as NewIncarnation does.
		if id, ok := c.Transport.(identified); ok {
			_, c.Incarnation = id.Identity()
		} else {
			c.Incarnation = NewIncarnation()
		}
	}
	// The node itself is no member of its own gossip (a copy: the caller's slice is
	// left alone).
	c.Members = slices.DeleteFunc(slices.Clone(c.Members), func(m router.NodeID) bool { return m == c.ID })
	if c.Shards == 0 {
		c.Shards = DefaultShards
	}
	if c.Mailbox == 0 {
		c.Mailbox = DefaultMailbox
	}
	if c.Routers == 0 {
		c.Routers = router.DefaultRouters
	}
	if c.GossipInterval == 0 {
		c.GossipInterval = DefaultGossipInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}
