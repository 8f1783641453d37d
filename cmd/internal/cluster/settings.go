package cluster

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/ensroute/ensroute/router"
)

// Settings is what a node (or a client) tells each node it connects to about the
// configuration every node of a cluster must share (nettransport.Config.Settings),
// one key=value a line: the semantics, --routers, --peers (their count and a digest
// of their ids), and, with ensembles, the ensembles' (their count, and a digest of their
// ids and member sets), and the heartbeat (its interval and timeout, which only
// PingProblem compares: each node and client may have its own). The other side compares them with its own (DiffSettings):
// nodes that differ route, but not as one cluster (a budget one side keeps and the
// other ignores, routes to router instances a node lacks, members one node does not
// know of).
func (o *Options) Settings(ensembles bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "semantics=%s\nrouters=%d\n", o.Semantics, o.Routers)
	var peers []string // their ids: a node may be dialed at another address from elsewhere
	for _, id := range sortedIDs(o.Peers) {
		peers = append(peers, string(id))
	}
	fmt.Fprintf(&b, "peers=%d %s\n", len(peers), digest(peers))
	if h := o.Heartbeat; h.Interval > 0 {
		// Not compared for equality: see PingProblem.
		fmt.Fprintf(&b, "%s=%v %v\n", heartbeatKey, h.Interval, h.Timeout)
	}
	if ensembles {
		var es []string
		for _, e := range o.Shape.Ensembles {
			ms := make([]string, len(e.Members))
			for i, m := range e.Members {
				ms[i] = string(m)
			}
			slices.Sort(ms) // the order of the members only picks the first leader
			es = append(es, string(e.ID)+"="+strings.Join(ms, ","))
		}
		slices.Sort(es)
		fmt.Fprintf(&b, "ensembles=%d %s\n", len(es), digest(es))
	}
	return b.Bytes()
}

// digest is a short hash of lines, to compare them across nodes.
func digest(lines []string) string {
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// A SettingDiff is a key of Settings that two nodes give different values.
type SettingDiff struct {
	Key, Theirs, Ours string
}

// DiffSettings compares the settings of another node with ours, on the keys both
// give, in the order ours lists them. Keys one side lacks are left out: a client sends
// no ensembles, and a node of an older release sends nothing.
func DiffSettings(ours, theirs []byte) []SettingDiff {
	t := map[string]string{}
	for _, line := range strings.Split(string(theirs), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			t[k] = v
		}
	}
	var out []SettingDiff
	for _, line := range strings.Split(string(ours), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if k == heartbeatKey {
			continue // each its own: PingProblem says when they do not fit
		}
		if tv, both := t[k]; ok && both && tv != v {
			out = append(out, SettingDiff{Key: k, Theirs: tv, Ours: v})
		}
	}
	return out
}

// DescribeDiffs is diffs as one line, for a log.
func DescribeDiffs(id router.NodeID, diffs []SettingDiff) string {
	var parts []string
	for _, d := range diffs {
		parts = append(parts, d.Key+": "+string(id)+" has "+d.Theirs+", this node "+d.Ours)
	}
	return strings.Join(parts, "; ")
}
