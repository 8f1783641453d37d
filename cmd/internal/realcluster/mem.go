package realcluster

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is a process's resident memory now and at its peak (VmRSS and VmHWM of
// /proc/PID/status), in bytes.
type Memory struct {
	RSS, Peak int64
}

// ProcMemory reads the memory of process pid from /proc.
func ProcMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	return ParseStatus(f)
}

// ParseStatus reads VmRSS and VmHWM from the text of a /proc/PID/status file.
func ParseStatus(r io.Reader) (Memory, error) {
	var m Memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("/proc status: %s: %q", name, rest)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc status: %s: %w", name, err)
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return Memory{}, err
	}
	if found != 2 {
		return Memory{}, fmt.Errorf("/proc status: no VmRSS or VmHWM")
	}
	return m, nil
}

// HeapSampler samples this process's Go heap (live and unswept objects) until Stop,
// and keeps the peak: the memory of the in-process parts of a test (its client node).
type HeapSampler struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	peak    uint64
	samples uint64 // taken so far
}

// SampleHeap starts sampling every interval.
func SampleHeap(interval time.Duration) *HeapSampler {
	h := &HeapSampler{stop: make(chan struct{})}
	h.wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			metrics.Read(s)
			h.mu.Lock()
			h.peak = max(h.peak, s[0].Value.Uint64())
			h.samples++
			h.mu.Unlock()
			select {
			case <-tick.C:
			case <-h.stop:
				return
			}
		}
	})
	return h
}

// Stop stops sampling and returns the peak heap seen, in bytes.
func (h *HeapSampler) Stop() uint64 {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak
}

// MiB formats a byte count in mebibytes.
func MiB[T int64 | uint64](b T) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }
