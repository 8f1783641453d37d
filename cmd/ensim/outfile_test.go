package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dirNames lists the names in dir, to show that no temporary file was left there.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// wantFile fails unless path holds data.
func wantFile(t *testing.T, path, data string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != data {
		t.Errorf("%s holds %q, want %q", path, b, data)
	}
}

// TestRunEarlyErrorKeepsOldFiles: a run that ends before its files are written (here
// at a --cpuprofile that cannot be created, after --trace was opened) leaves the
// files already at the paths of --trace and --repro as they were, and no temporary
// file beside them.
func TestRunEarlyErrorKeepsOldFiles(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.jsonl")
	repro := filepath.Join(dir, "repro.json")
	for _, p := range []string{trace, repro} {
		if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := writeFile(t, "fail.json", failingSpec(t).JSON())
	bad := filepath.Join(dir, "no-such-dir", "cpu.prof")
	code, _, stderr := ensim(t, "run", "--spec", spec, "--trace", trace, "--repro", repro, "--cpuprofile", bad)
	if code != exitUsage || !strings.Contains(stderr, "--cpuprofile") {
		t.Fatalf("exit %d, stderr %q; want 2 naming --cpuprofile", code, stderr)
	}
	wantFile(t, trace, "old\n")
	wantFile(t, repro, "old\n")
	if got, want := dirNames(t, dir), []string{"repro.json", "trace.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}

	// The same files are replaced by a run that ends.
	code, _, stderr = ensim(t, "run", "--spec", spec, "--trace", trace, "--repro", repro)
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
	}
	for _, p := range []string{trace, repro} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 10 || string(b) == "old\n" {
			t.Errorf("%s not replaced: %q, %v", p, b, err)
		}
	}
	if got, want := dirNames(t, dir), []string{"repro.json", "trace.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
}

// TestTraceIntoDirectoryRefused: a --trace path that names a directory is refused
// before the run, as one that cannot be created is.
func TestTraceIntoDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := ensim(t, "run", "--scenario", "steady", "--trace", dir)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "ensim: --trace: open "+dir+": is a directory") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing run, the flag and the directory named", code, stdout, stderr)
	}
}

// TestOutFileFailedWriteKeepsOldFile: a file whose writing fails (a repro, a trace
// view) leaves the older file at its path, and no temporary file beside it; one
// written whole replaces it, with the old file's permissions.
func TestOutFileFailedWriteKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("disk full")
	err := writeOut(path, func(w io.Writer) error {
		io.WriteString(w, "half of it")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("writeOut: %v, want %v", err, failed)
	}
	wantFile(t, path, "old\n")
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out"}) {
		t.Errorf("directory holds %q, want only out", got)
	}
	if err := writeOut(path, func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }); err != nil {
		t.Fatal(err)
	}
	wantFile(t, path, "new\n")
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("replaced file: %v, %v; want mode 0640", fi.Mode(), err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out"}) {
		t.Errorf("directory holds %q, want only out", got)
	}
}

// TestCPUProfileDroppedKeepsOldFile: a profile stopped without keeping it (the run
// did not end) leaves the older file at its path; one kept replaces it.
func TestCPUProfileDroppedKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.prof")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop, err := startCPUProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(false); err != nil {
		t.Fatal(err)
	}
	wantFile(t, path, "old\n")
	if got := dirNames(t, dir); !slices.Equal(got, []string{"cpu.prof"}) {
		t.Errorf("directory holds %q, want only cpu.prof", got)
	}
	if stop, err = startCPUProfile(path); err != nil {
		t.Fatal(err)
	}
	if err := stop(true); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("kept profile: %d bytes, %v; want gzip data", len(b), err)
	}
}

// TestTraceThroughSymlink: a --trace path that is a symbolic link replaces the file
// the link names; the link stays a link.
func TestTraceThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.jsonl")
	link := filepath.Join(dir, "link.jsonl")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.jsonl", link); err != nil {
		t.Skip(err)
	}
	if code, _, stderr := ensim(t, "run", "--scenario", "steady", "--trace", link); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link.jsonl is no longer a link: %v, %v", fi.Mode(), err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) == "old\n" || len(b) == 0 {
		t.Errorf("the link's file not replaced: %d bytes, %v", len(b), err)
	}
	if got, want := dirNames(t, dir), []string{"link.jsonl", "real.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
}

// TestTraceThroughDanglingSymlink: a --trace path that is a symbolic link to a file
// that does not exist yet creates that file; the link stays a link.
func TestTraceThroughDanglingSymlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink("out/real.jsonl", link); err != nil {
		t.Skip(err)
	}
	if code, _, stderr := ensim(t, "run", "--scenario", "steady", "--trace", link); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link.jsonl is no longer a link: %v, %v", fi.Mode(), err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "real.jsonl")); err != nil || len(b) == 0 {
		t.Errorf("the link's file not written: %d bytes, %v", len(b), err)
	}
	if got, want := dirNames(t, filepath.Join(dir, "out")), []string{"real.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("out/ holds %q, want %q", got, want)
	}
}

// TestOutputIsNotStdout: an output whose path is the regular file stdout or stderr is
// redirected to (ensim run --json --trace /dev/stdout > out) is refused: the file
// renamed over it would have taken the report with it, leaving only the trace.
func TestOutputIsNotStdout(t *testing.T) {
	dir := t.TempDir()
	for _, std := range []string{"stdout", "stderr"} {
		path := filepath.Join(dir, std+".txt")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		p := &os.Stdout
		if std == "stderr" {
			p = &os.Stderr
		}
		old := *p
		*p = f
		_, err = createOut(path)
		*p = old
		f.Close()
		if err == nil || !strings.Contains(err.Error(), "is the file ensim's "+std+" is redirected to") {
			t.Errorf("%s: createOut of the file %s goes to: %v, want it refused", std, std, err)
		}
		if o, err := createOut(path); err != nil {
			t.Errorf("%s: createOut of the same file once %s goes elsewhere: %v", std, std, err)
		} else {
			o.discard()
		}
	}
}
