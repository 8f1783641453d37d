package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two output flags of ensim run that name one file are refused (exit 2) before the
// run: the one written last would replace the other, and the exit status would say
// nothing of it.
func TestRunOutputsNameOneFile(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "x.json")
	existing := writeFile(t, "old.json", []byte("old\n"))
	hard := filepath.Join(dir, "hard.json")
	if err := os.Link(existing, hard); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(x, link); err != nil {
		t.Fatal(err)
	}
	lnkDir := filepath.Join(dir, "lnk")
	if err := os.Symlink(dir, lnkDir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{name: "through a linked directory, a file yet to be written", flags: []string{"--trace", x, "--repro", filepath.Join(lnkDir, "x.json")}, want: " name the same file"},
		{name: "trace and repro", flags: []string{"--trace", x, "--repro", x}, want: "--repro " + x + " and --trace " + x + " name the same file"},
		{name: "trace and cpuprofile, two spellings", flags: []string{"--trace", x, "--cpuprofile", filepath.Join(dir, ".", "sub", "..", "x.json")},
			want: "--cpuprofile " + filepath.Join(dir, "x.json") + " and --trace " + x + " name the same file"},
		{name: "a symbolic link to a file yet to be written", flags: []string{"--repro", link, "--cpuprofile", x}, want: " name the same file"},
		{name: "hard links", flags: []string{"--trace", existing, "--repro", hard}, want: " name the same file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--scenario", "steady"}, tc.flags...)
			code, stdout, stderr := ensim(t, args...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, exitUsage, tc.want)
			}
			if _, err := os.Stat(x); err == nil {
				t.Errorf("%s was written", x)
			}
			if b, _ := os.ReadFile(existing); string(b) != "old\n" {
				t.Errorf("%s was overwritten: %q", existing, b)
			}
		})
	}
}

func TestSameOutput(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if sameOutput(a, b) {
		t.Errorf("sameOutput(%s, %s) = true", a, b)
	}
	if !sameOutput(a, filepath.Join(dir, "..", filepath.Base(dir), "a")) {
		t.Errorf("sameOutput of two spellings of %s = false", a)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(wd, a); err == nil && !sameOutput(a, rel) {
		t.Errorf("sameOutput(%s, %s) = false", a, rel)
	}
	// A device takes two outputs: nothing is lost.
	if _, err := os.Stat(os.DevNull); err == nil && sameOutput(os.DevNull, os.DevNull) {
		t.Errorf("sameOutput(%s, %[1]s) = true", os.DevNull)
	}
}
