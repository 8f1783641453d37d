package scenarios

import (
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// others lists every node of the base cluster but those given.
func others(except ...string) []string {
	var out []string
next:
	for _, n := range []string{"n1", "n2", "n3", "n4", "n5", "c1"} {
		for _, e := range except {
			if n == e {
				continue next
			}
		}
		out = append(out, n)
	}
	return out
}

func ms(n int) Duration { return dur(time.Duration(n) * time.Millisecond) }

// The fault library: one scenario per fault, each with a liveness phase after the
// faults stop.
func init() {
	catalog["dup-reorder"] = func() Spec {
		s := base("dup-reorder", "links duplicate 2% and reorder 10% of messages, and every reply from n2 is duplicated for a while: duplicates are dropped as late, each call completes once")
		s.Link.Dup = 0.02
		s.Link.Reorder = 0.1
		s.Faults = []Fault{
			{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "dup-replies", Match: MatchSpec{Kind: "reply", From: "n2"}, Action: "duplicate", Delay: ms(1)}},
			{At: ms(900), Action: "unrule", Rule: &RuleSpec{Name: "dup-replies"}},
		}
		return s
	}
	catalog["hold-release"] = func() Spec {
		s := base("hold-release", "everything n1 (e1's leader) sends is held for 150ms, then released in order: calls time out, the released replies are dropped as late")
		s.Faults = []Fault{
			{At: ms(500), Action: "hold", A: []string{"n1"}, B: others("n1")},
			{At: ms(650), Action: "release", A: []string{"n1"}, B: others("n1")},
		}
		s.Liveness = &Liveness{From: ms(900)}
		return s
	}
	catalog["crash-restart"] = func() Spec {
		s := base("crash-restart", "n3, home of e2's leader, crashes and restarts 1.5ms later as a new incarnation: replies to its old calls arrive and are dropped; e2 elects p3 on n4")
		slow := netmodel.Dist{Kind: "uniform", Min: ms(5), Max: ms(30)}
		s.Faults = []Fault{
			{At: ms(400), Action: "slow", Peer: "e1/p1", Service: &slow, Until: ms(600)},
			{At: ms(500), Action: "crash", Node: "n3"},
			{At: dur(501500 * time.Microsecond), Action: "restart", Node: "n3"},
		}
		s.Elections = []Election{{At: ms(520), Ensemble: "e2", Duration: ms(20), Leader: "p3"}}
		s.Liveness = &Liveness{From: ms(1300)}
		return s
	}
	catalog["gc-pause"] = func() Spec {
		s := base("gc-pause", "n1 (e1's leader) stops for 150ms, three timeouts long, and client c1 for 80ms while it is stopped: timers fire late, the calls c1 made to e1 time out late, at its resume (their deadlines passed while it was stopped), queued messages run after the pause")
		s.Faults = []Fault{
			{At: ms(500), Action: "pause", Node: "n1"},
			{At: ms(650), Action: "resume", Node: "n1"},
			{At: ms(600), Action: "pause", Node: "c1"},
			{At: ms(680), Action: "resume", Node: "c1"},
		}
		s.Liveness = &Liveness{From: ms(1300)}
		return s
	}
	catalog["clock-skew"] = func() Spec {
		s := base("clock-skew", "clocks run fast, slow, wobble and jump, n2's back 40ms while it is stopped for 20ms (as a migrated VM's): every node measures its timers and budgets on its own clock, a wait across the step costs a request nothing, and no call outlives its deadline")
		s.Clocks = []ClockSpec{
			{Node: "n1", Clock: netmodel.ClockModel{DriftPPM: 20000}},
			{Node: "n2", Clock: netmodel.ClockModel{DriftPPM: -20000}},
			{Node: "n3", Clock: netmodel.ClockModel{PeriodicPPM: 50000, Period: ms(400)}},
			{Node: "n4", Clock: netmodel.ClockModel{Offset: dur(3 * time.Second)}},
			{Node: "c1", Clock: netmodel.ClockModel{Offset: dur(-time.Second), DriftPPM: 10000}},
		}
		s.Faults = []Fault{
			{At: ms(700), Action: "clock-step", Node: "n5", Step: ms(30)},
			// n2 stops with requests in its mailboxes and resumes with its clock set back:
			// a wait across the step reads as negative, and must not be taken for budget.
			{At: ms(990), Action: "pause", Node: "n2"},
			{At: ms(1000), Action: "clock-step", Node: "n2", Step: ms(-40)},
			{At: ms(1010), Action: "resume", Node: "n2"},
		}
		s.Liveness = &Liveness{From: ms(1200)}
		return s
	}
	catalog["asymmetric-partition"] = func() Spec {
		s := base("asymmetric-partition", "n1 (e1's leader) cannot reach n4, n5 and c1, which still reach it: requests arrive, replies are lost; n1 noticed, so after the heal it reaches them only once it has redialed (backoff up to 2s, ±25% jitter): liveness is checked from 2.8s after the heal")
		s.Faults = []Fault{
			{At: ms(400), Action: "partition-one-way", A: []string{"n1"}, B: []string{"n4", "n5", "c1"}},
			{At: ms(1100), Action: "heal"},
		}
		livenessAfter(&s, 1100*time.Millisecond)
		return s
	}
	catalog["reply-hold"] = func() Spec {
		s := base("reply-hold", "n1 (e1's leader) cannot reach n4, n5 and c1 for 300ms and, once it notices (50ms), holds its replies to them, as the real transport does: their calls (1s timeout) answered from then on succeed once n1 has redialed them after the heal; c1 restarts meanwhile, and the replies held for it are dropped")
		s.DetectAfter = ms(50)
		s.ReplyHold = ms(3000)
		s.Workload.Timeout = ms(1000)
		s.Faults = []Fault{
			{At: ms(400), Action: "partition-one-way", A: []string{"n1"}, B: []string{"n4", "n5", "c1"}},
			{At: ms(550), Action: "crash", Node: "c1"},
			{At: ms(600), Action: "restart", Node: "c1"},
			{At: ms(700), Action: "heal"},
		}
		s.Liveness = &Liveness{From: ms(1000)}
		return s
	}
	catalog["router-bottleneck"] = func() Spec {
		s := base("router-bottleneck", "heavy load on one router instance per node (try --routers 7): requests queue behind each other at the leaders' nodes")
		s.Routers = 1
		s.RouterService = netmodel.Dist{Kind: "exponential", Min: dur(60 * time.Microsecond), Mean: dur(140 * time.Microsecond)}
		s.Workload.Rate = 12000
		s.Workload.Duration = dur(time.Second)
		s.Workload.Timeout = ms(100)
		return s
	}
	catalog["naive-peer"] = func() Spec {
		s := catalog["slow-leader"]()
		s.Name = "naive-peer"
		s.Description = "slow-leader with a peer that ignores its budget: it keeps working for callers that gave up, so its answers arrive late (riak's worker has already answered timeout, and the peer's answer is ignored)"
		s.Peer.HonorBudget = false
		return s
	}
	catalog["slow-leader-retry"] = func() Spec {
		s := catalog["slow-leader"]()
		s.Name = "slow-leader-retry"
		s.Description = "slow-leader whose callers retry a timeout, up to 3 attempts, 10ms apart with jitter: most requests that time out succeed on a later attempt, and riak sends its late replies twice as often"
		s.Workload.Retry = &Retry{Attempts: 3, Backoff: ms(10), Jitter: 0.5, On: []string{"timeout"}}
		return s
	}
	catalog["retry-storm"] = func() Spec {
		s := catalog["overload"]()
		s.Name = "retry-storm"
		s.Description = "overload whose callers retry every failure, up to 3 attempts, after up to 5ms: riak's queues, which time calls out, fill with retries and stay full past the burst, while default's shed fast and recover"
		s.Workload.Retry = &Retry{Attempts: 3, Backoff: ms(5), Jitter: 1}
		// overload's liveness phase, from 1.3s: default recovers once the burst is over.
		// Under riak the retries keep the queues full until the workload ends (the
		// storm feeds itself: each request that times out comes back twice more), which
		// is what the scenario shows: the original does not keep liveness here.
		s.RiakBreaks = []string{InvLiveness}
		return s
	}
	catalog["overload"] = func() Spec {
		s := base("overload", "a burst at 15 times the base rate overruns two slow routers per node: default sheds with ErrOverloaded from bounded mailboxes, riak queues without bound and times out")
		s.Routers = 2
		s.MailboxCap = 8
		s.RouterService = netmodel.Dist{Kind: "exponential", Min: dur(100 * time.Microsecond), Mean: dur(300 * time.Microsecond)}
		s.Workload.Bursts = []Burst{{At: ms(500), Duration: ms(300), Rate: 30000}}
		s.Liveness = &Liveness{From: ms(1300)}
		return s
	}
}
