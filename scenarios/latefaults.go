package scenarios

import (
	"fmt"
	"time"
)

// lastCall is when the workload makes its last call, at the latest: the end of
// workload.duration (with a rate) or of its last burst; and what sets it, as a
// spec's path names it. 0 and "" for a workload that makes no call.
func (s *Spec) lastCall() (time.Duration, string) {
	end, by := time.Duration(0), ""
	if s.Workload.Rate > 0 {
		end, by = s.Workload.Duration.D(), "workload.duration"
	}
	for i, b := range s.Workload.Bursts {
		if e := b.At.D() + b.Duration.D(); e > end {
			end, by = e, fmt.Sprintf("the end of workload.bursts[%d]", i)
		}
	}
	return end, by
}

// troubles are the fault actions that begin a trouble, rather than end one (heal,
// release, restart, resume, unrule) or prepare one (save).
var troubles = map[string]bool{
	"partition": true, "partition-one-way": true, "hold": true, "crash": true, "pause": true,
	"slow": true, "hang": true, "rule": true, "clock-step": true, "clock-set": true,
}

// LateFaults describes each fault that begins a trouble once every call of the
// workload is over, in the order the run applies them: the run applies it, but no
// call is made or waited for then, so it acts on no call.
// A fault written past the workload's end (a workload shortened later, a time in the
// wrong unit) most often is such a mistake, which ensim points out before it runs.
// The test is loose on purpose: a call is taken to be over only after its deadline
// and every retry's, on a clock as slow as a spec may make it (a drift and a
// periodic drift of 100,000 ppm each: five quarters of the time) and stepped back as
// far as the spec steps any, and a caller paused before then only once it has
// resumed and waited as long again. Faults IdleFaults describes are left to it. A
// workload that makes no call gets no note.
func (s Spec) LateFaults() []string {
	last, by := s.lastCall()
	if last == 0 {
		return nil
	}
	to := s.Workload.Timeout.D()
	wait := satAdd(to, s.Workload.Retry.span(to))
	wait = satAdd(wait, wait/4)
	over := satAdd(satAdd(last, wait), s.backSteps())
	idle := map[int]bool{}
	for _, f := range s.Idle() {
		idle[f.Index] = true
	}
	paused := map[string]bool{} // nodes paused before every call was over
	var out []string
	for _, i := range s.faultOrder() {
		ft := s.Faults[i]
		at := ft.At.D()
		switch ft.Action {
		case "pause":
			if at <= over {
				paused[ft.Node] = true
			}
		case "crash":
			delete(paused, ft.Node) // a crash ends a pause
		case "resume":
			if paused[ft.Node] {
				delete(paused, ft.Node)
				over = max(over, satAdd(at, wait))
			}
		}
		if !troubles[ft.Action] || idle[i] || at <= over {
			continue
		}
		what := ft.Action
		switch {
		case ft.Node != "":
			what += " of " + ft.Node
		case ft.Peer != "":
			what += " of " + ft.Peer
		case ft.Rule != nil:
			what += fmt.Sprintf(" %q", ft.Rule.Name)
		}
		out = append(out, fmt.Sprintf("faults[%d]: the %s at %v comes after every call is over (the last is made by %v, %s, and over by %v at the latest): it acts on no call of the workload (move it earlier, or make calls after it)", i, what, at, last, by, over))
	}
	return out
}
