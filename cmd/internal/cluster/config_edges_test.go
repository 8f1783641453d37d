package cluster_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// FuzzConfigFile: whatever a --config file holds (none for ""), with or without
// --peers and --ensemble over it, Resolve does not panic and refuses with ErrUsage; what it
// accepts is a cluster every node of it can run: each member's transport config
// (its id, the cluster name, the other members' addresses) validates, the members in
// their listed order are the members, and each ensemble has an id, members that are
// members and a leader among them. Fuzz with
//
//	go test ./cmd/internal/cluster -run '^$' -fuzz FuzzConfigFile -fuzztime 2m
func FuzzConfigFile(f *testing.F) {
	f.Add(`{"cluster": "c", "peers": {"n1": "127.0.0.1:7001", "n2": "127.0.0.1:7002"}, "ensembles": [{"id": "e1", "members": ["n1", "n2"]}], "routers": 4, "semantics": "riak"}`, "", "")
	f.Add(`{"peers": {"n2": "h:1", "n1": "h:2"}, "ensembles": [{"id": "e1", "members": ["n1", "n2"], "leader": "n2"}]}`, "", "")
	f.Add(`{"ensembles": [{"id": "e1", "members": ["n1"]}]}`, "n1=127.0.0.1:1,n2=[::1]:2", "")
	f.Add(`{"cluster": "c"}`, "n1=127.0.0.1:1,n2=localhost:1", "e1=n2,n1")
	f.Add(`{"peers": {"n1": "127.0.0.1:07001", "n2": "127.0.0.1:7001"}}`, "", "")
	f.Add(`{"peers": {"n\u00e9": "h:1"}, "ensembles": [{"id": "e", "members": ["n\u00e9"], "leader": ""}]}`, "", "e=n\u00e9")
	f.Add("\ufeff{\"peers\": null}", "", "")
	f.Add("", "n1=127.0.0.1:1,n2=127.0.0.1:2", "e1=n1,n2")
	f.Fuzz(func(t *testing.T, config, peers, ensemble string) {
		dir := t.TempDir()
		secret, file := filepath.Join(dir, "secret"), filepath.Join(dir, "config.json")
		if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"--secret-file", secret}
		if config != "" {
			args = append(args, "--config", file)
		}
		if peers != "" {
			args = append(args, "--peers", peers)
		}
		if ensemble != "" {
			args = append(args, "--ensemble", ensemble)
		}
		o := &cluster.Options{}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		o.Register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := o.Resolve(fs); err != nil {
			if !errors.Is(err, cluster.ErrUsage) {
				t.Fatalf("error %v is not ErrUsage", err)
			}
			return
		}
		members := o.Members()
		if listed := slices.Sorted(slices.Values(o.Listed())); !slices.Equal(listed, members) {
			t.Fatalf("listed %q, members %q", o.Listed(), members)
		}
		if o.Routers < 1 || o.Routers > router.MaxRouters {
			t.Fatalf("routers %d accepted", o.Routers)
		}
		if _, err := router.ParseSemantics(o.Semantics); err != nil || o.Semantics == "" {
			t.Fatalf("semantics %q accepted", o.Semantics)
		}
		for _, id := range members {
			others := map[router.NodeID]string{}
			for p, addr := range o.Peers {
				if p != id {
					others[p] = addr
				}
			}
			cfg := nettransport.Config{ID: id, Cluster: o.Cluster, Secret: []byte("long-enough-secret"), Peers: others,
				Settings: o.Settings(true)}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("accepted a cluster whose node %q cannot run: %v", id, err)
			}
		}
		for _, e := range o.Shape.Ensembles {
			if err := cluster.CheckName("ensemble", string(e.ID)); err != nil {
				t.Fatalf("accepted an ensemble id: %v", err)
			}
			if len(e.Members) == 0 || e.Leader == "" || !slices.Contains(e.Members, e.Leader) {
				t.Fatalf("ensemble %q: members %q, leader %q", e.ID, e.Members, e.Leader)
			}
			for _, m := range e.Members {
				if _, ok := o.Peers[m]; !ok {
					t.Fatalf("ensemble %q: member %q is no member", e.ID, m)
				}
			}
		}
		if d := o.Directory(); len(d) != len(o.Shape.Ensembles) {
			t.Fatalf("a directory of %d entries for %d ensembles", len(d), len(o.Shape.Ensembles))
		}
	})
}
