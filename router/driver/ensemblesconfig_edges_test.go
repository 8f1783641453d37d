package driver_test

import (
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestEnsemblesConfigChecked: Validate holds Config.Ensembles to what the gossip
// filter needs. A Directory entry the filter refuses (an ensemble Ensembles lacks, a
// leader on a node that is not one of its members) was taken at the start and sent
// to every member, each of which, configured alike, refused it for good, as it does
// a malformed one; an ensemble with no member node refused every leader of it. Each
// is refused, naming the field; an entry with no leader of a listed ensemble, and
// a nil Ensembles, are accepted.
func TestEnsemblesConfigChecked(t *testing.T) {
	lead := func(e router.EnsembleID, node router.NodeID) router.Entry {
		return router.Entry{Ensemble: e, Leader: router.PeerRef{Ensemble: e, Name: string(node), Node: node}, Version: 1}
	}
	ens := map[router.EnsembleID][]router.NodeID{"e1": {"n1", "n2"}, "e2": {"n2", "n3"}}
	for _, tc := range []struct {
		name      string
		ensembles map[router.EnsembleID][]router.NodeID
		dir       []router.Entry
		want      string // "" for valid
	}{
		{name: "as configured", ensembles: ens, dir: []router.Entry{lead("e1", "n1"), lead("e2", "n3"), {Ensemble: "e2", Version: 2}}},
		{name: "no Ensembles", dir: []router.Entry{lead("e6", "n9")}},
		{name: "an ensemble not listed", ensembles: ens, dir: []router.Entry{lead("e1", "n1"), lead("e6", "n2")},
			want: "Directory[1] (e6=e6/n2@n2@v1): the ensemble is not one of this node's (Config.Ensembles)"},
		{name: "a leader on no member's node", ensembles: ens, dir: []router.Entry{lead("e2", "n1")},
			want: "Directory[0] (e2=e2/n1@n1@v1): the leader's node is not a member of the ensemble"},
		{name: "no member node", ensembles: map[router.EnsembleID][]router.NodeID{"e1": {"n1"}, "e2": nil},
			want: "Ensembles[e2] lists no member node"},
		{name: "an empty node id", ensembles: map[router.EnsembleID][]router.NodeID{"e1": {"n1", ""}},
			want: "Ensembles[e1] holds an empty node id"},
		{name: "an empty ensemble id", ensembles: map[router.EnsembleID][]router.NodeID{"": {"n1"}},
			want: "Ensembles holds an empty ensemble id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := driver.Config{ID: "n1", Transport: dropTransport{}, Ensembles: tc.ensembles, Directory: tc.dir}
			checkValidate(t, cfg, tc.want)
		})
	}
}
