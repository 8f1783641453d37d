package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/scenarios"
)

// TestSweepSignalEndsSweep sends ensim sweep the SIGTERM a CI runner sends at its
// time limit: the sweep must kill its workers, print what it has and exit 1, not
// die alone and leave its workers running seeds for no one.
func TestSweepSignalEndsSweep(t *testing.T) {
	// This process must outlive the signal whether or not the sweep handles it, so
	// that a sweep that ignores it fails the test instead of killing it.
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, syscall.SIGTERM)
	defer signal.Stop(caught)

	// Seeds of about a second each (gossip every 10µs), so that none ends before
	// the signal is handled.
	spec, _ := scenarios.ForSeed("steady", 1)
	spec.Gossip.Interval = netmodel.Duration(10_000)
	path := writeFile(t, "slow.json", spec.JSON())

	// The signal comes as the first or the second worker is about to start: with
	// the second, the first runs a seed; either may find the sweep interrupted
	// already and fail to start.
	for _, at := range []int{1, 2} {
		t.Run(fmt.Sprintf("at worker %d", at), func(t *testing.T) {
			var workers []*exec.Cmd
			start := newWorkerCmd
			defer func() { newWorkerCmd = start }()
			newWorkerCmd = func(ctx context.Context) (*exec.Cmd, error) {
				if len(workers) == at-1 {
					self, err := os.FindProcess(os.Getpid())
					if err != nil {
						return nil, err
					}
					if err := self.Signal(syscall.SIGTERM); err != nil {
						return nil, err
					}
				}
				cmd, err := start(ctx)
				workers = append(workers, cmd)
				return cmd, err
			}
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{"sweep", "--spec", path, "--seeds", "4", "--parallel", "2", "--recheck", "0", "--json"}, &stdout, &stderr)
			// One line, and no error besides: a worker killed by the sweep, or one
			// that could not start because the sweep was already interrupted, is
			// the interrupt's doing. (The seeds running then, if any, follow.)
			e := regexp.MustCompile(`(?m)^ensim: running at the interrupt: .*\n`).ReplaceAllString(stderr.String(), "")
			if code != exitFail || !strings.HasPrefix(e, "ensim: sweep interrupted after ") || strings.Count(e, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want 1 and only \"sweep interrupted\"", code, e)
			}
			if s := decodeSweep(t, stdout.String()); s.SeedsRun == 4 || !s.Interrupted {
				t.Errorf("the summary says every seed ran, or not that it was interrupted: %+v", s)
			}
			for i, w := range workers {
				if w.ProcessState != nil && w.ProcessState.Success() {
					t.Errorf("worker %d: %v, want it killed by the sweep or never started", i+1, w.ProcessState)
				}
			}
			if at == 2 && workers[0].ProcessState == nil {
				t.Errorf("worker 1 never ran")
			}
		})
	}
}

// TestWorkerIgnoresInterrupt: a Ctrl-C at a terminal reaches the sweep's workers as
// well as the sweep. The sweep handles it; a worker must not die of it first, or the
// sweep would report its seed as crashed.
func TestWorkerIgnoresInterrupt(t *testing.T) {
	cmd, err := testWorker()(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(outPipe)
	runSeed := func(seed uint64) error {
		if _, err := fmt.Fprintf(in, `{"seed":%d}`+"\n", seed); err != nil {
			return err
		}
		line, err := readLine(out)
		if err != nil {
			return err
		}
		var res workerResult
		if err := json.Unmarshal(line, &res); err != nil || res.Seed != seed || !res.OK {
			return fmt.Errorf("answer %q (%v)", line, err)
		}
		return nil
	}
	io.WriteString(in, `{"scenario":"steady","semantics":"default"}`+"\n")
	// Once it has answered, it is past its start: the signal finds it serving.
	if err := runSeed(1); err != nil {
		t.Fatalf("seed 1: %v\n%s", err, errBuf.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := runSeed(2); err != nil {
		t.Errorf("seed 2, after an interrupt: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := runSeed(3); err != nil {
		t.Errorf("seed 3, after a SIGTERM: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := runSeed(4); err != nil {
		t.Errorf("seed 4, after a SIGHUP: %v", err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("worker: %v, want exit 0 once its stdin closes\n%s", err, errBuf.String())
	}
}

// TestSweepUnderNohup: a sweep started with SIGHUP ignored (nohup, to outlive an ssh
// session) keeps running through a SIGHUP, as before SIGHUP was handled: handling it
// would have turned it back on. A SIGTERM still stops it.
func TestSweepUnderNohup(t *testing.T) {
	spec, _ := scenarios.ForSeed("steady", 1)
	spec.Gossip.Interval = netmodel.Duration(10_000) // about a second a seed
	path := writeFile(t, "slow.json", spec.JSON())
	cmd, err := testWorker()(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// As nohup does: the child starts with SIGHUP ignored, by a shell that then runs
	// it in its place. Ignoring SIGHUP in this process for the start would last:
	// signal.Reset does not undo signal.Ignore, and every child started later, in
	// other tests, would ignore it too.
	cmd.Args = []string{"sh", "-c", `trap "" HUP; exec "$0" "$@"`, cmd.Path,
		"sweep", "--spec", path, "--seeds", "50", "--parallel", "1", "--json", "--out", t.TempDir()}
	if cmd.Path, err = exec.LookPath("sh"); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(300 * time.Millisecond) // past its start: the signal finds it sweeping
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("the sweep ended on a SIGHUP it was started ignoring: %v\n%s", err, errb.String())
	case <-time.After(time.Second):
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFail || !strings.Contains(errb.String(), "ensim: sweep interrupted after ") {
		t.Errorf("after a SIGTERM: %v, stderr %q; want exit 1, interrupted", err, errb.String())
	}
}

// TestSweepSignalWhileReadingSpec: a stop signal that comes while ensim sweep still
// reads its --spec (a pipe nobody writes, a mount that hangs) ends it at once, as it
// ends ensim run: the sweep has started nothing yet. It used to take the signal over
// before the read, which never looked at it, and run on until the read ended.
func TestSweepSignalWhileReadingSpec(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "spec.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	for _, command := range []string{"sweep", "run"} {
		t.Run(command, func(t *testing.T) {
			cmd, err := testWorker()(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			cmd.Args = []string{cmd.Args[0], command, "--spec", fifo, "--seeds", "2"}
			if command == "run" {
				cmd.Args = cmd.Args[:4]
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ended := make(chan error, 1)
			go func() { ended <- cmd.Wait() }()
			// Signal once it waits in the read: a writer can open the FIFO without
			// waiting once ensim has opened it to read, and held open and silent
			// leaves it waiting in its read.
			w := openWriter(t, fifo)
			defer w.Close()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-ended:
				if sig, ok := signaledBy(err); !ok || sig != syscall.SIGTERM {
					t.Fatalf("ensim %s ended with %v, want it ended by SIGTERM", command, err)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-ended
				t.Fatalf("ensim %s still ran 10s after a SIGTERM while it read its --spec", command)
			}
		})
	}
}

// openWriter opens the FIFO path for writing once a reader has it open (until then
// a non-blocking open fails), within 30s.
func openWriter(t *testing.T, path string) *os.File {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing opened %s to read within 30s: %v", path, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
