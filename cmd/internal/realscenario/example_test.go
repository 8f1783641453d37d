package realscenario_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/ensroute/ensroute/cmd/internal/realscenario"
	"github.com/ensroute/ensroute/scenarios"
)

// A spec mapped onto processes: the ensembles (first member leads), and the steps.
func ExampleNewPlan() {
	f, err := os.Open("testdata/real-smoke.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	spec, err := scenarios.Parse(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := realscenario.NewPlan(spec, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Ensembles, p.Args, p.Rate, p.Duration, p.Timeout)
	for _, st := range p.Steps {
		fmt.Println(strings.TrimSpace(fmt.Sprint(st.At, " ", st.Action, " ", st.Node, " ", st.Ensemble)))
	}
	// Output:
	// [{e1 [n1 n2 n3]} {e2 [n2 n3 n1]} {e3 [n3 n1 n2]}] [--routers 7 --mailbox 149796 --service 250µs --reply-hold 3s] 1000 4s 100ms
	// 1s pause n2
	// 1.3s resume n2
	// 2s crash n3
	// 2.3s restart n3
	// 2.9s lead n2 e1
}
