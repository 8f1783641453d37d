package scenarios

import (
	"fmt"
	"time"
)

// MaxCalls is the most workload calls a spec may plan: the base rate times the
// workload's duration plus each burst's rate times its duration. A run plans every
// call and sizes its tables for them before the first event (a few hundred bytes a
// call), so the limit bounds its memory; scale, the largest named scenario, plans a
// million.
const MaxCalls = 10_000_000

// MaxSpan is the latest a spec may schedule anything: the end of the workload, of a
// burst or of an election, a fault's at and until, the liveness phase's from and
// within. Named scenarios span seconds.
const MaxSpan = 24 * time.Hour

// checkLimits reports the first field of s that goes past MaxSpan or makes it plan
// more than MaxCalls calls. The fields' other constraints have been checked.
func (s Spec) checkLimits() error {
	point := func(field string, t Duration) error {
		if t.D() > MaxSpan {
			return fmt.Errorf("%s: %v, past the limit of %v", field, t.D(), MaxSpan)
		}
		return nil
	}
	interval := func(f string, at, length Duration) error {
		if err := point(f+".at", at); err != nil {
			return err
		}
		if length.D() > MaxSpan-at.D() {
			return fmt.Errorf("%s.duration: %v from %v ends past the limit of %v", f, length.D(), at.D(), MaxSpan)
		}
		return nil
	}
	w := s.Workload
	if err := point("workload.duration", w.Duration); err != nil {
		return err
	}
	calls := func(rate float64, d Duration) float64 { return rate * d.D().Seconds() }
	total := calls(w.Rate, w.Duration)
	if total > MaxCalls {
		return fmt.Errorf("workload.rate: %v calls per second for workload.duration %v plans about %.0f calls, past the limit of %d calls per run",
			w.Rate, w.Duration.D(), total, MaxCalls)
	}
	for i, b := range w.Bursts {
		f := fmt.Sprintf("workload.bursts[%d]", i)
		if err := interval(f, b.At, b.Duration); err != nil {
			return err
		}
		n := calls(b.Rate, b.Duration)
		if n > MaxCalls {
			return fmt.Errorf("%s.rate: %v calls per second for %s.duration %v plans about %.0f calls, past the limit of %d calls per run",
				f, b.Rate, f, b.Duration.D(), n, MaxCalls)
		}
		total += n
	}
	if total > MaxCalls {
		return fmt.Errorf("workload: the base rate and the bursts plan about %.0f calls in all, past the limit of %d calls per run", total, MaxCalls)
	}
	for i, el := range s.Elections {
		if err := interval(fmt.Sprintf("elections[%d]", i), el.At, el.Duration); err != nil {
			return err
		}
	}
	for i, ft := range s.Faults {
		f := fmt.Sprintf("faults[%d]", i)
		if err := point(f+".at", ft.At); err != nil {
			return err
		}
		if err := point(f+".until", ft.Until); err != nil {
			return err
		}
	}
	if lv := s.Liveness; lv != nil {
		if err := point("liveness.from", lv.From); err != nil {
			return err
		}
		if err := point("liveness.within", lv.Within); err != nil {
			return err
		}
	}
	return nil
}
