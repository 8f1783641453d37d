package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
)

// drained is what leader drain did with one ensemble, as --json prints it.
type drained struct {
	Ensemble string `json:"ensemble"`
	Leader   string `json:"leader,omitempty"` // the node that led it before
	To       string `json:"to,omitempty"`     // the node that leads it now, if moved
	Moved    bool   `json:"moved"`
	// LeaderDown: who led it could not be asked, NODE being down and no member
	// this client reaches reaching the leader: the lead was moved off NODE, which
	// most likely held it (the nodes' directories say so until a leader is set).
	LeaderDown bool `json:"leader_down,omitempty"`
	// Unseen: the lead was moved, and --via still named another leader at the end of
	// --timeout: it learns the move by gossip, and calls through it may go to the old
	// leader until then.
	Unseen bool   `json:"unseen_by_via,omitempty"`
	Error  string `json:"error,omitempty"`
}

// drainCmd moves the lead of every ensemble node leads to another member, so that
// node can be stopped without its ensembles failing (the README's rolling restart).
// The ensembles are those of --config or --ensemble: a client has no directory to
// list them from. For each that has a member on node, it asks who leads; if node
// does, it asks the first other member that is connected to lead instead. It fails
// (exit 1) if any ensemble node leads was not moved.
func drainCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c := flags("leader drain", stdout)
	if err := parseArgs(fs, c, args, 1, 1, "NODE"); err != nil {
		return err
	}
	node := router.NodeID(fs.Arg(0))
	if _, ok := c.Peers[node]; !ok {
		return fmt.Errorf("%w: leader drain: node %s is not in %s", cluster.ErrUsage, node, c.Setting("peers"))
	}
	if len(c.Shape.Ensembles) == 0 {
		if c.ConfigFile != "" {
			// The file gave the ensembles, and it gives none: "give --config" would
			// send its reader back to the file given.
			return fmt.Errorf("%w: leader drain: which ensembles? --config %s lists none: list them in its ensembles, or give --ensemble for each (as ensnode takes them)", cluster.ErrUsage, c.ConfigFile)
		}
		return fmt.Errorf("%w: leader drain: which ensembles? give --config, or --ensemble for each (as ensnode takes them)", cluster.ErrUsage)
	}
	hosted := false
	for _, e := range c.Shape.Ensembles {
		hosted = hosted || slices.Contains(e.Members, node)
	}
	if !hosted {
		// Said, so that a drain given the wrong ensembles is not taken for one done.
		fmt.Fprintf(stderr, "ensctl: leader drain %s: no ensemble of %s (%s) has a member on %s: nothing to move\n",
			node, c.Setting("ensemble"), ensembleNames(c.Shape.Ensembles), node)
		return nil
	}
	cl, err := c.dial(ctx, stderr)
	if err != nil {
		return err
	}
	defer cl.close()
	failed := 0
	for _, e := range c.Shape.Ensembles {
		d := cl.drain(ctx, e, node)
		if ctx.Err() != nil && (d == nil || !d.Moved) {
			// Interrupted: what failed failed for that, and what was not asked is
			// not reported (run says "interrupted"); a lead moved is.
			return ctx.Err()
		}
		if d == nil {
			continue // no member on node
		}
		if d.Error != "" {
			failed++
		}
		if c.jsonOut {
			b, _ := json.Marshal(d)
			fmt.Fprintln(stdout, string(b))
			continue
		}
		switch {
		case d.Error != "":
			fmt.Fprintf(stdout, "%s: %s\n", d.Ensemble, d.Error)
		case d.LeaderDown:
			fmt.Fprintf(stdout, "%s: moved to %s (%s is down, and no member this client reaches could reach the leader, so %s most likely led it)%s\n", d.Ensemble, d.To, node, node, cl.unseen(d))
		case d.Moved:
			fmt.Fprintf(stdout, "%s: moved from %s to %s%s\n", d.Ensemble, d.Leader, d.To, cl.unseen(d))
		default:
			fmt.Fprintf(stdout, "%s: led by %s, left alone\n", d.Ensemble, d.Leader)
		}
	}
	if failed > 0 {
		return fmt.Errorf("leader drain %s: %d of the ensembles with a member on it were not moved, or who leads them is not known", node, failed)
	}
	return nil
}

// drain moves the lead of ensemble e off node if node leads it, and says what it did;
// nil if e has no member on node.
func (cl *client) drain(ctx context.Context, e cluster.Ensemble, node router.NodeID) *drained {
	hosts := false
	for _, m := range e.Members {
		hosts = hosts || m == node
	}
	if !hosts {
		return nil
	}
	d := &drained{Ensemble: string(e.ID)}
	res, took, down := cl.whoLeads(ctx, e, node)
	switch {
	case down:
		d.LeaderDown = true
	case res.Err != nil:
		d.Error = fmt.Sprintf("who leads it is not known: %v", cl.unanswered(string(e.ID), res.Err, took))
		return d
	default:
		d.Leader = string(res.Peer.Node)
		if res.Peer.Node != node {
			return d
		}
	}
	var tried []string
	for _, m := range e.Members {
		if m == node || !cl.tr.Connected(m) {
			continue
		}
		res, _ := cl.call(ctx, router.ToPeer(cluster.PeerRef(e.ID, m)), []byte("lead"))
		res.Err = leadRefused(res)
		if res.Err == nil {
			d.Moved, d.To = true, string(m)
			d.Unseen = !cl.settle(ctx, e.ID, m)
			return d
		}
		tried = append(tried, fmt.Sprintf("%s (%v)", m, res.Err))
	}
	switch {
	case len(e.Members) == 1:
		d.Error = fmt.Sprintf("led by %s, its only member: there is no other to take it", node)
	case len(tried) == 0:
		d.Error = fmt.Sprintf("led by %s, and no other member is connected to take it", node)
	default:
		d.Error = fmt.Sprintf("led by %s, and no other member took it: %v", node, tried)
	}
	return d
}

// whoLeads asks --via who leads e, and the answer (a call's result, and how long
// it took). When --via cannot reach e's leader, or knows none, it asks the other
// members this client is connected to, node last (its own view is the one a drain
// doubts, and node may lead in no directory but its own), and takes the first answer
// that is neither. Failing that it gives --via's answer, and down says that a member
// asked could not reach the leader, and none named it, while node, which this client
// cannot reach either, most likely leads e: a node that goes down leaves its leads in
// every directory until a member takes the lead.
func (cl *client) whoLeads(ctx context.Context, e cluster.Ensemble, node router.NodeID) (res router.Result, took time.Duration, down bool) {
	via := router.NodeID(cl.c.via)
	res, took = cl.call(ctx, router.ToEnsemble(e.ID).Through(via), []byte("leader"))
	if res.Err == nil || !cl.askElsewhere(res.Err, took) {
		return res, took, false
	}
	others := make([]router.NodeID, 0, len(e.Members))
	for _, m := range e.Members {
		if m != node && m != via {
			others = append(others, m)
		}
	}
	if node != via {
		others = append(others, node)
	}
	cut := unreachable(res.Err, took, cl.c.timeout)
	for _, m := range others {
		if !cl.tr.Connected(m) {
			continue
		}
		r, t := cl.call(ctx, router.ToEnsemble(e.ID).Through(m), []byte("leader"))
		if r.Err == nil || !cl.askElsewhere(r.Err, t) {
			return r, t, false // m names the leader, or fails otherwise
		}
		cut = cut || unreachable(r.Err, t, cl.c.timeout)
	}
	return res, took, cut && !cl.tr.Connected(node) && ctx.Err() == nil
}

// askElsewhere reports whether a member failing to say who leads, with err after
// took, leaves another member that may: the leader's node unreachable from it, or no
// leader in its directory. Under riak semantics the first is a timeout answered at
// once, and the second no answer at all: a node under riak drops a request from
// another node (this client) for an ensemble it knows no leader of, as the original
// does, and the call waits out --timeout; so a client under riak asks elsewhere after
// any timeout.
func (cl *client) askElsewhere(err error, took time.Duration) bool {
	return errors.Is(err, router.ErrNoLeader) || unreachable(err, took, cl.c.timeout) ||
		cl.c.Semantics == "riak" && errors.Is(err, router.ErrTimeout)
}

// unreachable reports whether err, after took of a call with timeout, says the
// leader's node could not be reached: ErrUnreachable, or under riak semantics a
// timeout answered at once.
func unreachable(err error, took, timeout time.Duration) bool {
	return errors.Is(err, router.ErrUnreachable) || errors.Is(err, router.ErrTimeout) && took < timeout/2
}

// settle waits, up to the call timeout, until --via's node names m's member as e's
// leader, so that a drain the caller follows with a stop finds the change spread, and
// reports whether it did (an interrupt counts as seen: nothing more is said).
func (cl *client) settle(ctx context.Context, e router.EnsembleID, m router.NodeID) (seen bool) {
	deadline := time.Now().Add(cl.c.timeout)
	for time.Now().Before(deadline) {
		res, _ := cl.call(ctx, router.ToEnsemble(e).Through(router.NodeID(cl.c.via)), []byte("leader"))
		if res.Err == nil && res.Peer.Node == m {
			return true
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return true // interrupted: nothing more is said of it
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// unseen is what drain adds to a move --via had not seen by the end of --timeout
// (drained.Unseen), "" for one it had.
func (cl *client) unseen(d *drained) string {
	if !d.Unseen {
		return ""
	}
	return fmt.Sprintf("; --via %s still named another leader after --timeout %v: it learns the move by gossip, and calls through it may go to the old leader until then", cl.c.via, cl.c.timeout)
}
