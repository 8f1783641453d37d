package scenarios

import (
	"errors"
	"testing"
	"time"
)

// TestDetectAfterBounded: detect_after and pause_detect_after are held to MaxSpan, as
// everything a spec schedules is; past it a spec is refused with the key and the
// limit named (a detect_after of "1000h" ran, and left every cut unnoticed).
func TestDetectAfterBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(s *Spec, d Duration)
		want string
	}{
		{name: "detect_after", set: func(s *Spec, d Duration) { s.DetectAfter = d },
			want: "scenarios: bad spec: detect_after: 1000h0m0s, past the limit of 24h0m0s"},
		{name: "pause_detect_after", set: func(s *Spec, d Duration) { s.PauseDetectAfter = d },
			want: "scenarios: bad spec: pause_detect_after: 1000h0m0s, past the limit of 24h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			tc.set(&s, Duration(MaxSpan))
			if err := s.Validate(); err != nil {
				t.Fatalf("at the limit: %v", err)
			}
			tc.set(&s, Duration(1000*time.Hour))
			err := s.Validate()
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrBadSpec) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
