package realcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Node is one ensnode process of a Cluster. It can be started again after it stopped
// (a restart: a new process, a new incarnation). Its methods are safe for concurrent
// use.
type Node struct {
	// ID is the node's id; Addr its cluster address; Admin its admin HTTP address.
	ID, Addr, Admin string

	c      *Cluster
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current process has exited
	err    error         // its exit status
	logs   []string      // one log file per process started
}

// Start starts the node's process, unless it runs already.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil && !isClosed(n.exited) {
		return nil
	}
	logPath := filepath.Join(n.c.cfg.Dir, fmt.Sprintf("%s.%d.log", n.ID, len(n.logs)+1))
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := append(append([]string{}, n.c.cfg.Wrap(n.ID)...), n.c.cfg.Ensnode)
	args = append(args, n.c.flags(n)...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The node dies with the test process, even when that one is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.ID, err)
	}
	n.cmd, n.exited, n.err = cmd, make(chan struct{}), nil
	n.logs = append(n.logs, logPath)
	exited := n.exited
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		close(exited)
	}()
	return nil
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Running reports whether the node's process runs (paused counts as running).
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd != nil && !isClosed(n.exited)
}

// Pid returns the process id of the running process.
func (n *Node) Pid() (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || isClosed(n.exited) {
		return 0, fmt.Errorf("%s: %w", n.ID, ErrNotRunning)
	}
	return n.cmd.Process.Pid, nil
}

func (n *Node) signal(sig syscall.Signal) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || isClosed(n.exited) {
		return fmt.Errorf("%s: %w", n.ID, ErrNotRunning)
	}
	return n.cmd.Process.Signal(sig)
}

// wait waits for the current process to exit, at most d, and returns its exit status.
func (n *Node) wait(d time.Duration) (error, bool) {
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	if exited == nil {
		return nil, true
	}
	select {
	case <-exited:
	case <-time.After(d):
		return nil, false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err, true
}

// Kill kills the node with SIGKILL (a crash) and waits for the process to go.
func (n *Node) Kill() error {
	if err := n.signal(syscall.SIGKILL); err != nil {
		return err
	}
	_, _ = n.wait(time.Minute)
	return nil
}

// Pause freezes the node with SIGSTOP: its connections stay up, and nothing it
// receives is read.
func (n *Node) Pause() error { return n.signal(syscall.SIGSTOP) }

// Resume thaws a paused node with SIGCONT.
func (n *Node) Resume() error { return n.signal(syscall.SIGCONT) }

// Term stops the node with SIGTERM and waits at most d for it to exit. It returns
// ErrExit unless the process exited with status 0 in time (and kills it if not, as
// Kill does, returning once it is gone).
func (n *Node) Term(d time.Duration) error {
	if err := n.signal(syscall.SIGTERM); err != nil {
		return err
	}
	err, ok := n.wait(d)
	if !ok {
		_ = n.Kill()
		return fmt.Errorf("%w: %s still running %v after SIGTERM", ErrExit, n.ID, d)
	}
	if err != nil {
		return fmt.Errorf("%w: %s after SIGTERM: %v", ErrExit, n.ID, err)
	}
	return nil
}

// Memory returns the resident memory of the running process.
func (n *Node) Memory() (Memory, error) {
	pid, err := n.Pid()
	if err != nil {
		return Memory{}, err
	}
	return ProcMemory(pid)
}

// Health is what a node's /healthz answers.
type Health struct {
	Status      string `json:"status"`
	ID          string `json:"id"`
	Incarnation uint64 `json:"incarnation"`
	Peers       []struct {
		ID        string `json:"id"`
		Connected bool   `json:"connected"`
	} `json:"peers"`
	Directory []struct {
		Ensemble string `json:"ensemble"`
		Leader   string `json:"leader"`
		Version  uint64 `json:"version"`
	} `json:"directory"`
}

// Connected reports whether the node is connected to id.
func (h *Health) Connected(id string) bool {
	for _, p := range h.Peers {
		if p.ID == id {
			return p.Connected
		}
	}
	return false
}

// Leader returns the leader the node knows for ensemble e ("" if none).
func (h *Health) Leader(e string) string {
	for _, d := range h.Directory {
		if d.Ensemble == e {
			return d.Leader
		}
	}
	return ""
}

// Health asks the node's /healthz.
func (n *Node) Health(ctx context.Context) (*Health, error) {
	b, err := n.get(ctx, "/healthz")
	if err != nil {
		return nil, err
	}
	var h Health
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("%s /healthz: %w", n.ID, err)
	}
	return &h, nil
}

// Metrics returns the node's /metrics as text.
func (n *Node) Metrics(ctx context.Context) (string, error) {
	b, err := n.get(ctx, "/metrics")
	return string(b), err
}

// Busy returns the first line of a /metrics text whose router mailbox or send queue
// (to a member, or to the clients together) is not empty, or "" when every one is:
// a node is quiet once the calls it was given are over.
func Busy(metrics string) string {
	for _, line := range strings.Split(metrics, "\n") {
		series, value, _ := strings.Cut(line, " ")
		name, _, _ := strings.Cut(series, "{")
		switch name {
		case "ensroute_router_mailbox_depth", "ensroute_send_queue_bytes", "ensroute_clients_send_queue_bytes":
		default:
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err != nil || v != 0 {
			return line
		}
	}
	return ""
}

func (n *Node) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.Admin+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := n.c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", n.ID, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", n.ID, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s", n.ID, path, resp.Status)
	}
	return b, nil
}

// Logged reports whether a line of the node's logs (of every process it ran) holds
// every fragment.
func (n *Node) Logged(fragments ...string) bool {
	n.mu.Lock()
	logs := append([]string{}, n.logs...)
	n.mu.Unlock()
	for _, p := range logs {
		b, _ := os.ReadFile(p)
		for _, line := range strings.Split(string(b), "\n") {
			all := true
			for _, f := range fragments {
				all = all && strings.Contains(line, f)
			}
			if all {
				return true
			}
		}
	}
	return false
}

// Log returns the node's logs, every process's in turn.
func (n *Node) Log() string {
	n.mu.Lock()
	logs := append([]string{}, n.logs...)
	n.mu.Unlock()
	var b strings.Builder
	for _, p := range logs {
		data, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(p), data)
	}
	return b.String()
}
