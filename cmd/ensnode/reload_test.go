package main

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
)

// TestSIGHUPReloadsSecret: a running node's secret changes at SIGHUP, which is how a
// cluster changes its secret without a restart. n1 runs with its own secret file and
// an --accept-secret-file, both holding the cluster's secret: ensctl proving a new
// secret is refused. The files are rewritten (n1 to prove the new secret and accept
// the old) and n1 gets SIGHUP: ensctl with the new secret connects, ensctl with the
// old one alone no longer does (n1 proves the new), and n1 stays connected to n2 and
// n3, which have the old. A secret file rewritten wrong (too short) at the next SIGHUP
// is logged as an error, and only as one, and n1 keeps the credentials it had.
func TestSIGHUPReloadsSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const oldSecret, newSecret = "the-cluster-secret", "the-new-cluster-secret"
	own, accept, next := filepath.Join(c.dir, "n1-secret"), filepath.Join(c.dir, "n1-accept"), filepath.Join(c.dir, "next")
	write(own, oldSecret)
	write(accept, oldSecret)
	write(next, newSecret)
	n1 := c.nodes[0]
	n1.secret, n1.args = own, []string{"--accept-secret-file", accept}
	c.startAll()
	withNew := []string{"call", "--via", "n1", "--secret-file", next, "--accept-secret-file", c.secret, "e1", "get", "k"}
	if o := c.ctl(withNew...); o.exit != 1 || !strings.Contains(o.stderr, "cannot reach --via") {
		t.Fatalf("ensctl with the new secret, before n1 takes it: %+v", o)
	}

	write(own, newSecret)
	write(accept, oldSecret)
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded", "accept_secrets=1")
	c.expect(c.ctl(withNew...), "", "e1/n1@n1")
	if o := c.ctl("call", "--via", "n1", "e1", "get", "k"); o.exit != 1 || !strings.Contains(o.stderr, "n1 did not prove the cluster secret") {
		t.Fatalf("ensctl with the old secret alone, once n1 proves the new: %+v", o)
	}
	c.healthy(n1, "n1", "n2", "n3")

	write(own, "short")
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=ERROR", "SIGHUP: the credentials were not reloaded", "err=\"--secret-file "+own+": the secret has 5 bytes")
	c.expect(c.ctl(withNew...), "", "e1/n1@n1")
	// The failed reload says only that it failed: the log says "reloaded" once, of the
	// first SIGHUP.
	if b, _ := os.ReadFile(n1.log); strings.Count(string(b), "SIGHUP: reloaded") != 1 {
		t.Fatalf("n1's log says \"SIGHUP: reloaded\" %d times, want once:\n%s", strings.Count(string(b), "SIGHUP: reloaded"), b)
	}
}

// TestSIGHUPReloadsCertificate: a running node takes a renewed certificate (here of a
// new CA too) at SIGHUP. Rewriting the files alone changes nothing: ensctl with the
// new CA refuses the certificate n1 still presents. After SIGHUP it calls through n1,
// and /metrics gives the new certificate's expiry.
func TestSIGHUPReloadsCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	dir := filepath.Join(c.dir, "tls")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := testcerts.WriteValid(t, dir, now.Add(-time.Hour), now.Add(time.Hour), "node")
	cert, key := filepath.Join(dir, "node.pem"), filepath.Join(dir, "node.key")
	tlsFlags := []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca}
	n1 := c.nodes[0]
	c.startAlone(n1, tlsFlags...)
	const expiry = `ensroute_tls_certificate_expiry_timestamp_seconds`
	if got := metric(t, n1, expiry); got != float64(now.Add(time.Hour).Unix()) {
		t.Fatalf("%s %v, want %d", expiry, got, now.Add(time.Hour).Unix())
	}
	call := append([]string{"call", "--via", "n1"}, append(tlsFlags, "e2", "get", "k")...)

	testcerts.WriteValid(t, dir, now.Add(-time.Hour), now.Add(5*time.Hour), "node") // the same files
	if o := c.ctl(call...); o.exit != 1 || !strings.Contains(o.stderr, "certificate") {
		t.Fatalf("ensctl with the new CA, before n1 reloads: %+v", o)
	}
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.logged(n1, "level=INFO", "SIGHUP: reloaded", "tls_cert="+cert)
	c.expect(c.ctl(call...), "", "e2/n1@n1")
	if got := metric(t, n1, expiry); got != float64(now.Add(5*time.Hour).Unix()) {
		t.Fatalf("%s %v after SIGHUP, want %d", expiry, got, now.Add(5*time.Hour).Unix())
	}
}

// TestSIGTERMDuringABlockedReload: SIGTERM stops a node gracefully whatever its
// reload waits on. n1's secret file is replaced by a FIFO nobody writes, whose open
// blocks until a writer comes, and n1 gets SIGHUP: its reload blocks there (the
// goroutine dump shows it). SIGTERM then stops n1 as usual, logged from "shutting
// down" to "stopped", and it exits 0 at once. The reload used to run in the signal
// loop, which then never heard SIGTERM: n1 ran on until a second one ended it without
// a goodbye.
func TestSIGTERMDuringABlockedReload(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	n1.secret = filepath.Join(c.dir, "n1-secret")
	if err := os.WriteFile(n1.secret, []byte("the-cluster-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.startAlone(n1)
	if err := os.Remove(n1.secret); err != nil {
		t.Fatal(err)
	}
	// Nothing in the test opens the FIFO: a reload that opens it waits for good.
	if err := syscall.Mkfifo(n1.secret, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = n1.cmd.Process.Signal(syscall.SIGHUP)
	c.eventually("n1's reload waits on the FIFO", func() (bool, string) {
		b := get(t, n1.adminAddr(), "/debug/pprof/goroutine?debug=2")
		return strings.Contains(b, "main.(*node).reload("), b
	})
	_ = n1.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- n1.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("n1 after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = n1.cmd.Process.Kill()
		<-exited
		b, _ := os.ReadFile(n1.log)
		t.Fatalf("n1 still ran 10s after SIGTERM, with its reload waiting on the FIFO:\n%s", b)
	}
	c.logged(n1, "level=INFO", "stopping with a SIGHUP reload still running")
	c.logged(n1, `msg="shutting down"`)
	c.logged(n1, "msg=stopped")
}

// TestReloadsOneAtATime: the reloads SIGHUP asks for run away from the signal loop,
// one at a time. SIGHUPs during a reload are logged and make one reload more, after
// it, however many they are; a reload that waits past reloadSlow is warned of, naming
// its files; once the node stops, a SIGHUP starts nothing, the reload that runs is
// logged as not waited for, and one asked for during it does not follow.
func TestReloadsOneAtATime(t *testing.T) {
	defer func(d time.Duration) { reloadSlow = d }(reloadSlow)
	reloadSlow = 50 * time.Millisecond
	var logs syncBuffer
	release := make(chan struct{})
	began := make(chan struct{}, 10)
	var runs, running atomic.Int32
	var overlapped atomic.Bool
	r := &reloader{log: slog.New(slog.NewTextHandler(&logs, nil)), files: []string{"sec", "acc"}, reload: func() {
		runs.Add(1)
		if running.Add(1) > 1 {
			overlapped.Store(true)
		}
		began <- struct{}{}
		<-release
		running.Add(-1)
	}}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 5s; runs %d, log:\n%s", what, runs.Load(), logs.String())
			}
		}
	}
	begun := func() bool {
		select {
		case <-began:
			return true
		default:
			return false
		}
	}
	idle := func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return !r.running
	}

	r.hup()
	wait("the first reload begins", begun)
	r.hup()
	r.hup()
	r.hup()
	if n := strings.Count(logs.String(), "SIGHUP during a reload: the files are read again once it ends"); n != 3 {
		t.Fatalf("%d SIGHUPs during the reload logged, want 3:\n%s", n, logs.String())
	}
	wait("the slow reload warned of", func() bool {
		return strings.Contains(logs.String(), `level=WARN msg="SIGHUP: the reload has waited on its files for a while and still waits`) &&
			strings.Contains(logs.String(), "waited=50ms files=\"[sec acc]\"")
	})
	release <- struct{}{}
	wait("the second reload begins", begun)
	release <- struct{}{}
	wait("the reloads end", idle)
	if runs.Load() != 2 || overlapped.Load() {
		t.Fatalf("%d reloads (overlapping: %t), want 2 one after the other: the first, and one for the three SIGHUPs during it", runs.Load(), overlapped.Load())
	}

	r.hup()
	wait("a reload begins again", begun)
	r.hup() // would have the files read again, but for the stop
	r.close()
	r.hup()
	if !strings.Contains(logs.String(), `msg="stopping with a SIGHUP reload still running, which is not waited for"`) {
		t.Fatalf("the reload running at the stop not logged:\n%s", logs.String())
	}
	release <- struct{}{}
	wait("the last reload ends", idle)
	if runs.Load() != 3 {
		t.Fatalf("%d reloads, want 3: none after the stop", runs.Load())
	}
	if n := strings.Count(logs.String(), "SIGHUP during a reload"); n != 4 {
		t.Fatalf("%d SIGHUPs during a reload logged, want 4: none after the stop:\n%s", n, logs.String())
	}
}

// TestSIGTERMWhileReadingAFIFO: a node that waits, before it starts, on a
// --secret-file that is a pipe nobody writes ends at the first SIGTERM, saying why,
// rather than at a second, in silence; so does ensctl, at a SIGINT or SIGTERM, on its
// --secret-file, --config or scenario's --spec (it ran on until SIGKILL: nothing acted
// on the signal it caught). Real processes.
func TestSIGTERMWhileReadingAFIFO(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	const ensctlSays = "ensctl: interrupted while it read its flags and the files they name"
	for _, tc := range []struct {
		name string
		args func(fifo string) []string
		sig  syscall.Signal
		code int
		says string
	}{
		{name: "ensnode --secret-file", sig: syscall.SIGTERM, code: 1,
			says: "ensnode: stopped by a signal before it started, while it read its flags and the files they name",
			args: func(fifo string) []string {
				return []string{"ensnode", "--id", n1.id, "--peers", fmt.Sprintf("%s=127.0.0.1:%d", n1.id, n1.port), "--secret-file", fifo, "--admin", n1.adminAddr()}
			}},
		{name: "ensctl --secret-file", sig: syscall.SIGINT, code: 130, says: ensctlSays,
			args: func(fifo string) []string {
				return []string{"ensctl", "leader", "get", "--peers", c.peers, "--secret-file", fifo, "e1"}
			}},
		{name: "ensctl --config", sig: syscall.SIGTERM, code: 130, says: ensctlSays,
			args: func(fifo string) []string {
				return []string{"ensctl", "bench", "--config", fifo, "--secret-file", c.secret, "e1"}
			}},
		{name: "ensctl scenario --spec", sig: syscall.SIGINT, code: 130, says: ensctlSays,
			args: func(fifo string) []string { return []string{"ensctl", "scenario", "--spec", fifo} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			args := tc.args(fifo)
			var out syncBuffer
			cmd := exec.Command(filepath.Join(c.bin, args[0]), args[1:]...)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() {
				if cmd.ProcessState == nil {
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			// A writer can open the FIFO without waiting once the program has opened it
			// to read; held open and silent, it leaves the program waiting in its read.
			var w *os.File
			c.eventually(args[0]+" opens the FIFO", func() (bool, string) {
				f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
				w = f
				return err == nil, fmt.Sprint(err)
			})
			defer w.Close()
			_ = cmd.Process.Signal(tc.sig)
			select {
			case err := <-exited:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != tc.code || !strings.Contains(out.String(), tc.says) {
					t.Fatalf("after %v: %v, output %q; want exit status %d and %q", tc.sig, err, out.String(), tc.code, tc.says)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s still ran 10s after %v, waiting on the FIFO; output %q", args[0], tc.sig, out.String())
			}
		})
	}
}

// TestProgramExitStatus: the program's exit status is run's, however early it
// returns: 0 for --version and -h, 2 for a bad flag, 20 times each (main's watch
// for a signal before the start once raced its own exit, and turned most of them
// into 1, saying a signal stopped it). A real process.
func TestProgramExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	for _, tc := range []struct {
		arg  string
		want int
	}{{"--version", 0}, {"-h", 0}, {"--bogus", 2}} {
		for range 20 {
			out, err := exec.Command(filepath.Join(c.bin, "ensnode"), tc.arg).CombinedOutput()
			code := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.want || strings.Contains(string(out), "stopped by a signal") {
				t.Fatalf("ensnode %s: exit %d, output %q; want %d", tc.arg, code, out, tc.want)
			}
		}
	}
}

// TestSIGTERMRightAfterReady: a SIGTERM that comes as soon as the node says it is
// ready stops it gracefully, exit 0, as at any time after it read its files: never
// as a signal before the start (which once caught a signal up to the end of the
// start, after the node had bound its ports and logged "ready": 22 of 40 such stops
// exited 1, without a goodbye). The signal is sent from the reader of the node's
// log the moment the line comes. Ten times, a real process each.
func TestSIGTERMRightAfterReady(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1 := c.nodes[0]
	for i := range 10 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(filepath.Join(c.bin, "ensnode"), "--id", n1.id, "--peers", fmt.Sprintf("%s=127.0.0.1:%d", n1.id, n1.port),
			"--secret-file", n1.secret, "--admin", n1.adminAddr())
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		var out strings.Builder
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "msg=ready") {
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		r.Close()
		if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), `msg="shutting down"`) {
			t.Fatalf("stop %d, SIGTERM right after ready: %v; output:\n%s", i, err, out.String())
		}
	}
}
