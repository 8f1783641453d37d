package realcluster

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestParseStatus: ParseStatus takes VmRSS and VmHWM in kB, wherever they are, and
// refuses a status without both, or with either in another unit or not a number,
// naming the field.
func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		name, status string
		want         Memory
		err          string
	}{
		{name: "both", status: "Name:\tensnode\nVmPeak:\t  900000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   18432 kB\nThreads:\t9\n",
			want: Memory{RSS: 18432 << 10, Peak: 20480 << 10}},
		{name: "no VmHWM", status: "VmRSS:\t   18432 kB\n", err: "no VmRSS or VmHWM"},
		{name: "neither", status: "Name:\tensnode\n", err: "no VmRSS or VmHWM"},
		{name: "another unit", status: "VmHWM:\t   20 MB\nVmRSS:\t   18432 kB\n", err: `VmHWM: "\t   20 MB"`},
		{name: "no unit", status: "VmHWM:\t   20480 kB\nVmRSS:\t   18432\n", err: `VmRSS: "\t   18432"`},
		{name: "not a number", status: "VmHWM:\t   20480 kB\nVmRSS:\t   lots kB\n", err: `VmRSS: strconv.ParseInt: parsing "lots"`},
	} {
		m, err := ParseStatus(strings.NewReader(tc.status))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: ParseStatus = %+v, %v; want an error with %s", tc.name, m, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if diff := cmp.Diff(tc.want, m); diff != "" {
			t.Errorf("%s: ParseStatus (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestNodeMemory: a node's Memory is its own process's, as /proc/PID/status says it
// (frozen, its peak cannot move in between), not this process's.
func TestNodeMemory(t *testing.T) {
	_, n1 := lone(t)
	if err := n1.Pause(); err != nil {
		t.Fatal(err)
	}
	pid, err := n1.Pid()
	if err != nil {
		t.Fatal(err)
	}
	m, err := n1.Memory()
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseStatus(strings.NewReader(string(status)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Peak != want.Peak || m.RSS <= 0 || m.RSS > m.Peak {
		t.Fatalf("n1's Memory %+v; its /proc status says peak %d", m, want.Peak)
	}
}

// TestSampleHeapKeepsPeak: the sampler reports the largest heap it saw, not the last.
func TestSampleHeapKeepsPeak(t *testing.T) {
	const size = 32 << 20
	h := SampleHeap(time.Millisecond)
	defer h.Stop()
	func() {
		big := make([]byte, size)
		for i := range big {
			big[i] = 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := Eventually(ctx, time.Millisecond, func() (bool, string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.peak >= size, MiB(h.peak)
		}); err != nil {
			t.Fatalf("the sampler never saw a heap of %s: %v", MiB(uint64(size)), err)
		}
		runtime.KeepAlive(big)
	}()
	runtime.GC()
	// Two samples taken after the collection: the second began after it ended, on
	// the smaller heap.
	h.mu.Lock()
	after := h.samples + 2
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := Eventually(ctx, time.Millisecond, func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.samples >= after, fmt.Sprint(h.samples, " samples")
	}); err != nil {
		t.Fatalf("the sampler took no sample after the collection: %v", err)
	}
	if peak := h.Stop(); peak < size {
		t.Fatalf("peak %s, want at least %s", MiB(peak), MiB(uint64(size)))
	}
}
