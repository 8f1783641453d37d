package specgen_test

import (
	"fmt"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/specgen"
)

// A generator of one cluster's worlds: five member nodes and a client, two ensembles
// of three, links of 2ms and more, and partitions and crashes only. Everything else
// (routers, workload, timeouts, when and where the faults hit) is still drawn, and a
// failing case still shrinks. In a property test, draw from it with
// gen.Draw(t, "spec") inside rapid.Check.
func Example() {
	gen := rapid.Custom(func(t *rapid.T) scenarios.Spec {
		p := specgen.PlanGen().Draw(t, "plan")
		p.Nodes, p.Clients = 5, 1
		p.Ensembles = []specgen.PlanEnsemble{{Members: []int{0, 1, 2}, Leader: 0}, {Members: []int{2, 3, 4}, Leader: 1}}
		p.Latency = scenarios.Dist{Kind: "lognormal", Min: scenarios.Duration(2 * time.Millisecond),
			Mean: scenarios.Duration(5 * time.Millisecond), Sigma: 0.5}
		p.Actions = slices.DeleteFunc(p.Actions, func(a specgen.Action) bool {
			return a.Kind != "partition" && a.Kind != "crash"
		})
		return p.Spec()
	})

	spec := gen.Example(3) // a fixed draw, as rapid.Check would draw one
	fmt.Println(len(spec.Nodes), "nodes,", len(spec.Clients), "client,", len(spec.Ensembles), "ensembles")
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, Semantics: sem})
		if err != nil {
			panic(err) // Plan.Spec makes valid specs: Run refuses none
		}
		fmt.Println(sem, "violations:", len(res.Report.Violations))
	}
	// Output:
	// 5 nodes, 1 client, 2 ensembles
	// default violations: 0
	// riak violations: 0
}
