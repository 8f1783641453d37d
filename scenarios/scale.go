package scenarios

import (
	"fmt"
	"strconv"
	"time"
)

// Scale shapes: the full scale scenario, and the reduced copy the tests run.
const (
	scaleNodes     = 1000
	scaleEnsembles = 10_000
	scaleCalls     = 1_000_000
)

// scaleSpec is a healthy cluster of nodes member nodes and nodes/100 clients (at least
// one), with ensembles ensembles of three members placed round robin (ensemble i on
// nodes i, i+1 and i+2, leader on the first), a workload of about calls calls over ten
// simulated seconds, and one election per hundred ensembles spread over the run. Gossip
// is push-only: periodic anti-entropy sends every member's whole directory each round,
// nodes*ensembles entries, which at this size would dwarf the workload; with no fault
// to repair, the pushes that announce each new leader are enough to converge.
func scaleSpec(name, desc string, nodes, ensembles, calls int) Spec {
	s := base(name, desc)
	s.Nodes = make([]string, nodes)
	for i := range s.Nodes {
		s.Nodes[i] = "n" + strconv.Itoa(i+1)
	}
	s.Clients = make([]string, max(1, nodes/100))
	for i := range s.Clients {
		s.Clients[i] = "c" + strconv.Itoa(i+1)
	}
	s.Ensembles = make([]Ensemble, ensembles)
	for i := range s.Ensembles {
		e := &s.Ensembles[i]
		e.Name = "e" + strconv.Itoa(i+1)
		e.Leader = "p1"
		e.Members = make([]Member, 3)
		for j := range e.Members {
			e.Members[j] = Member{Name: "p" + strconv.Itoa(j+1), Node: s.Nodes[(i+j)%nodes]}
		}
	}
	run := 10 * time.Second
	s.Workload.Duration = dur(run)
	s.Workload.Rate = float64(calls) / run.Seconds()
	s.Gossip = Gossip{Interval: dur(time.Second), PushOnly: true}
	names := []string{"p2", "p3", "p1"}
	for k := range ensembles / 100 {
		s.Elections = append(s.Elections, Election{
			At:       dur(time.Duration(k+1) * run / time.Duration(ensembles/100+1)),
			Ensemble: s.Ensembles[(k*97)%ensembles].Name,
			Duration: dur(2 * time.Millisecond),
			Leader:   names[k%3],
		})
	}
	// Calls that meet an election are exempt from liveness; the rest must succeed.
	s.Liveness = &Liveness{From: 0}
	return s
}

func init() {
	catalog["scale"] = func() Spec {
		return scaleSpec("scale", fmt.Sprintf("%d nodes, %d ensembles, %d calls over 10s, a leader change every 100ms: the simulator at size (about 10 s and 0.8 GB, so not in the quick test loops)",
			scaleNodes, scaleEnsembles, scaleCalls), scaleNodes, scaleEnsembles, scaleCalls)
	}
	catalog["nine-nodes"] = func() Spec {
		s := base("nine-nodes", "nine nodes, nine ensembles of five, 1,000 calls per second for 10s: the yardstick for simulated time over wall time")
		s.Nodes = nil
		for i := range 9 {
			s.Nodes = append(s.Nodes, "n"+strconv.Itoa(i+1))
		}
		s.Ensembles = make([]Ensemble, 9)
		for i := range s.Ensembles {
			e := &s.Ensembles[i]
			e.Name = "e" + strconv.Itoa(i+1)
			e.Leader = "p1"
			for j := range 5 {
				e.Members = append(e.Members, Member{Name: "p" + strconv.Itoa(j+1), Node: s.Nodes[(i+2*j)%9]})
			}
		}
		s.Workload.Rate = 1000
		s.Workload.Duration = dur(10 * time.Second)
		return s
	}
}

// Heavy reports whether the named scenario is too slow for loops that run every
// scenario in a quick test or a routine sweep (scale takes about ten seconds and
// most of a gigabyte). QuickNames lists the others.
func Heavy(name string) bool { return name == "scale" }

// QuickNames lists the named scenarios that are not Heavy, sorted.
func QuickNames() []string {
	var out []string
	for _, n := range Names() {
		if !Heavy(n) {
			out = append(out, n)
		}
	}
	return out
}
