package traceview

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

func TestSelect(t *testing.T) {
	tr, _ := analyse(t, "hold-release", router.Default)
	// A call of c1's that meets the hold: its reply is held at the link.
	var call string
	for _, m := range tr.msgs {
		for _, c := range m.copies {
			if tr.recs[c.steps[0]].Kind == "held" && m.call != "" {
				call = m.call
			}
		}
	}
	if call == "" {
		t.Fatal("hold-release holds no message of a call")
	}
	sel, err := tr.Select(Filter{Call: call})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, i := range sel {
		r := &tr.recs[i]
		kinds[r.Kind] = true
		if tr.call[i] != call {
			t.Errorf("record %d (%s) is about call %q, not %s", r.Seq, r.Kind, tr.call[i], call)
		}
	}
	// The held and released records name no call, only the message.
	for _, k := range []string{"call", "send", "held", "released", "handed", "complete"} {
		if !kinds[k] {
			t.Errorf("call %s: no %s record selected; kinds %v", call, k, kinds)
		}
	}
	for i := range tr.recs {
		if tr.call[i] == call && !contains(sel, i) {
			t.Errorf("record %d (%s) of call %s not selected", tr.recs[i].Seq, tr.recs[i].Kind, call)
		}
	}

	world, err := tr.Select(Filter{Call: call, World: true})
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	for _, i := range world {
		if !contains(sel, i) {
			extra = append(extra, tr.recs[i].Kind)
		}
	}
	if got := strings.Join(extra, ","); got != "hold,release" {
		t.Errorf("with the world, the call's records plus %q, want hold,release", got)
	}

	win, err := tr.Select(Filter{From: 500 * time.Millisecond, To: 510 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(win) == 0 {
		t.Fatal("no record between 500ms and 510ms")
	}
	for _, i := range win {
		if at := tr.recs[i].At; at < 500*time.Millisecond || at > 510*time.Millisecond {
			t.Errorf("record at %v is outside the window", at)
		}
	}
	all, _ := tr.Select(Filter{})
	if len(all) != tr.Len() {
		t.Errorf("the zero filter selects %d of %d records", len(all), tr.Len())
	}
}

func TestSelectErrors(t *testing.T) {
	w := sim.New(sim.Config{KeepTrace: true})
	w.Emit("n1", "call", sim.String("call", "n1.1.1"), sim.String("target", "ens:e1"))
	tr := New(w.Trace(), Meta{})
	tests := []struct {
		name string
		f    Filter
		err  error
		want string
	}{
		{name: "unknown call", f: Filter{Call: "n9.1.1"}, err: ErrUnknownCall, want: "traceview: no such call: n9.1.1 (the trace starts 1 call)"},
		{name: "negative from", f: Filter{From: -time.Millisecond}, err: ErrBadFilter, want: "traceview: bad filter: from: -1ms is negative"},
		{name: "from a nanosecond before 0", f: Filter{From: -1}, err: ErrBadFilter, want: "traceview: bad filter: from: -1ns is negative"},
		{name: "negative to", f: Filter{To: -time.Millisecond}, err: ErrBadFilter, want: "traceview: bad filter: to: -1ms is negative"},
		{name: "to before from", f: Filter{From: 2 * time.Millisecond, To: time.Millisecond}, err: ErrBadFilter, want: "traceview: bad filter: to: 1ms is before from 2ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tr.Select(tc.f)
			if !errors.Is(err, tc.err) || err.Error() != tc.want {
				t.Errorf("Select = %v, want %q (wrapping %v)", err, tc.want, tc.err)
			}
			if err := tr.Write(new(strings.Builder), Text, tc.f); !errors.Is(err, tc.err) {
				t.Errorf("Write = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Text, JSONL, HTML} {
		if got, err := ParseFormat(f.String()); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	for _, s := range []string{"", "TEXT", "json", "svg"} {
		if _, err := ParseFormat(s); !errors.Is(err, ErrBadFormat) {
			t.Errorf("ParseFormat(%q) = %v, want ErrBadFormat", s, err)
		}
	}
	if err := New(nil, Meta{}).Write(new(strings.Builder), Format(9), Filter{}); !errors.Is(err, ErrBadFormat) {
		t.Errorf("Write in format 9 = %v, want ErrBadFormat", err)
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
