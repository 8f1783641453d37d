package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// outFile is a file ensim writes for the user (--trace, --repro, --cpuprofile,
// --out) that takes the place of what is at its path only when it is complete: it is
// written under a temporary name in the same directory and renamed over the path by
// commit, or removed by discard. A run that fails early, or a write that fails, so
// leaves an older file at the path as it was. A path that is not a regular file (a
// device such as /dev/stdout or /dev/null, a named pipe) is written in place, as
// there is no file to keep and nothing should be renamed over it.
type outFile struct {
	f      *os.File
	path   string // as the user gave it, for errors
	target string // what commit renames onto: path, or the file a symbolic link at path names
	tmp    string // the temporary file's name; "" when written in place
}

// stdStream returns "stdout" or "stderr" when fi, a regular file, is the file this
// process's stdout or stderr writes to, "" otherwise.
func stdStream(fi os.FileInfo) string {
	for _, s := range []struct {
		name string
		f    *os.File
	}{{"stdout", os.Stdout}, {"stderr", os.Stderr}} {
		if sfi, err := s.f.Stat(); err == nil && os.SameFile(fi, sfi) {
			return s.name
		}
	}
	return ""
}

// tmpSeq tells apart the temporary files of one process.
var tmpSeq int

// createOut opens a file to take path's place. It fails, as creating path would,
// when path cannot be written: a directory, a file without write permission, a
// directory that does not exist or cannot be written; errors name path.
func createOut(path string) (*outFile, error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		// A directory fails here as it would with os.Create ("is a directory").
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, err
		}
		return &outFile{f: f, path: path}, nil
	case err == nil:
		if std := stdStream(fi); std != "" {
			// /dev/stdout with stdout redirected to a file: the file renamed over it
			// would take the output written to stdout with it.
			return nil, fmt.Errorf("%s is the file ensim's %s is redirected to: it would replace what ensim writes there; give this output a file of its own", path, std)
		}
		// Check that the file could be written over, without touching it.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	target := linkTarget(path) // replace the file a link names, not the link
	dir, base := filepath.Split(target)
	for {
		tmpSeq++
		tmp := dir + "." + base + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(tmpSeq)
		o, err := temps.create(path, target, tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
			}
			return nil, err
		}
		if fi != nil {
			// The new file keeps the old one's permissions.
			if err := o.f.Chmod(fi.Mode().Perm()); err != nil {
				o.discard()
				return nil, err
			}
		}
		return o, nil
	}
}

// clobbers returns an error if one of outs (flag name to path; "" for none) is the
// file in, which the command reads: writing it would destroy its own input. Paths that
// do not exist yet are no input. It returns one too if two of outs name the same
// file: the one written last would replace the other.
func clobbers(in string, outs map[string]string) error {
	flags := slices.Sorted(maps.Keys(outs))
	for i, a := range flags {
		for _, b := range flags[i+1:] {
			if outs[a] != "" && outs[b] != "" && sameOutput(outs[a], outs[b]) {
				return fmt.Errorf("%s %s and %s %s name the same file: one would replace the other; give each its own", a, outs[a], b, outs[b])
			}
		}
	}
	for _, flag := range flags {
		if out := outs[flag]; sameFile(in, out) {
			return fmt.Errorf("%s %s is the file the command reads (%s): it would be overwritten; write elsewhere", flag, out, in)
		}
	}
	return nil
}

// sameFile reports whether a and b both exist and are one file (os.SameFile).
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	fa, erra := os.Stat(a)
	fb, errb := os.Stat(b)
	return erra == nil && errb == nil && os.SameFile(fa, fb)
}

// sameOutput reports whether output paths a and b name one file: the same path once
// symbolic links are followed and it is made absolute, or the same existing file
// (os.SameFile: a hard link, a path through a linked directory). A file that exists
// and is not a regular one (/dev/null, a named pipe) can take two outputs.
func sameOutput(a, b string) bool {
	fa, erra := os.Stat(a)
	fb, errb := os.Stat(b)
	if erra == nil && errb == nil {
		return os.SameFile(fa, fb) && fa.Mode().IsRegular()
	}
	if erra == nil && !fa.Mode().IsRegular() || errb == nil && !fb.Mode().IsRegular() {
		return false
	}
	absA, err1 := filepath.Abs(resolvedDir(linkTarget(a)))
	absB, err2 := filepath.Abs(resolvedDir(linkTarget(b)))
	return err1 == nil && err2 == nil && absA == absB
}

// resolvedDir returns path with its directory's symbolic links followed (lnk/b.json,
// lnk a link to real, is real/b.json), or path itself when its directory does not
// resolve (it does not exist: nothing is written there).
func resolvedDir(path string) string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(d, base)
	}
	return path
}

// linkTarget returns the path of the file path names, following symbolic links,
// also when the last one names a file that does not exist yet (which
// filepath.EvalSymlinks refuses): the link stays, and the file appears where it
// points. A relative link is read from the link's directory; the rest of the path is
// left to the kernel, so that a ".." after a linked directory means what it means to
// the kernel. A chain longer than the kernel's own limit (40) is left unfollowed;
// os.Stat has refused such a path before this is called.
func linkTarget(path string) string {
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(dest) {
			dir, _ := filepath.Split(path)
			dest = dir + dest
		}
		path = dest
	}
	return path
}

func (o *outFile) Write(p []byte) (int, error) { return o.f.Write(p) }

// commit closes the file and puts it at its path. On an error the temporary file is
// removed and what was at the path stays.
func (o *outFile) commit() error {
	err := o.f.Close()
	o.f = nil
	if o.tmp == "" {
		return err
	}
	temps.Lock() // not between an interrupt's removals and the process's end
	if err == nil {
		err = os.Rename(o.tmp, o.target)
	}
	temps.drop(o)
	temps.Unlock()
	if err != nil {
		os.Remove(o.tmp)
		var le *os.LinkError
		if errors.As(err, &le) {
			err = &fs.PathError{Op: "rename", Path: o.path, Err: le.Err}
		}
	}
	return err
}

// discard closes the file and removes it, leaving what was at its path. It may be
// called after commit, and on a nil file, to no effect.
func (o *outFile) discard() {
	if o == nil || o.f == nil {
		return
	}
	o.f.Close()
	if o.tmp != "" {
		temps.Lock()
		os.Remove(o.tmp)
		temps.drop(o)
		temps.Unlock()
	}
	o.f = nil
}

// temps holds the outFiles whose temporary files exist, so that an interrupt can
// remove them: a run stopped with ^C while it wrote a trace of gigabytes would
// otherwise leave it behind under a hidden name.
var temps tempFiles

type tempFiles struct {
	sync.Mutex
	open     []*outFile
	watching bool
	// off is set by a command that handles interrupts itself (sweep, which ends
	// with a summary): its temporary files are small and short-lived.
	off bool
}

// create makes the temporary file tmp, to take the place of target (path as the user
// gave it), and records it; before the first one it starts watching for an interrupt
// or a SIGTERM. Both under the lock, the watch first: an interrupt at any moment
// finds the file recorded, or not made yet. (With the file made first, an interrupt
// in between ended the process by the signal's default action and left the file.)
func (t *tempFiles) create(path, target, tmp string) (*outFile, error) {
	t.Lock()
	defer t.Unlock()
	t.watch()
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, err
	}
	o := &outFile{f: f, path: path, target: target, tmp: tmp}
	t.open = append(t.open, o)
	return o, nil
}

// stopSignals are the signals that end ensim, each handled: an interrupt (^C), a
// SIGTERM (a CI runner's or a service manager's stop) and a SIGHUP (the terminal
// gone, an ssh session ended).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// handledSignals returns the stop signals the process was not started with ignored:
// one it was (a SIGHUP under nohup, a SIGINT in a script's background job) stays
// ignored, as signal.Notify would turn it back on.
func handledSignals() []os.Signal {
	var sigs []os.Signal
	for _, s := range stopSignals {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// watch starts watching for a stop signal (stopSignals), unless it has already or a
// command handles them itself; the caller holds the lock. A signal the process was
// started with ignored stays ignored (a job started in the background of a script
// ignores SIGINT).
func (t *tempFiles) watch() {
	if t.watching || t.off {
		return
	}
	t.watching = true
	sigs := handledSignals()
	if len(sigs) == 0 {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	go t.removeOnSignal(c)
}

// drop forgets o; the caller holds the lock.
func (t *tempFiles) drop(o *outFile) {
	for i, p := range t.open {
		if p == o {
			t.open = append(t.open[:i], t.open[i+1:]...)
			return
		}
	}
}

// removeOnSignal waits for a signal on c, removes every temporary file still open,
// and ends the process by that signal, as it would have ended without the watch.
// It keeps the lock: no file is renamed into place after the removals.
// While off is set the signal is the sweep's to handle, and the watch goes on.
func (t *tempFiles) removeOnSignal(c <-chan os.Signal) {
	var sig os.Signal
	for {
		sig = <-c
		t.Lock()
		if !t.off {
			break
		}
		t.Unlock()
	}
	for _, o := range t.open {
		os.Remove(o.tmp)
	}
	signal.Reset(sig)
	if s, ok := sig.(syscall.Signal); ok {
		_ = syscall.Kill(os.Getpid(), s)
		time.Sleep(time.Second) // the signal's default action ends the process
		os.Exit(128 + int(s))
	}
	os.Exit(1)
}

// writeOut writes path with write, putting it in place only when write and the
// file's close succeed.
func writeOut(path string, write func(io.Writer) error) error {
	o, err := createOut(path)
	if err != nil {
		return err
	}
	return o.fill(write)
}

// fill writes o with write and puts it in place (commit), or discards it if write
// fails.
func (o *outFile) fill(write func(io.Writer) error) error {
	if err := write(o); err != nil {
		o.discard()
		return err
	}
	return o.commit()
}
