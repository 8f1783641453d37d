package limitfile

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRead: a file up to the bound is read whole; one byte more, or an endless
// device, is an error naming the path and the bound; os's errors name the path.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("12345678"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(path, 8); err != nil || string(b) != "12345678" {
		t.Fatalf("Read at the bound: %q, %v", b, err)
	}
	if _, err := Read(path, 7); err == nil || !strings.Contains(err.Error(), path+": more than 7 bytes") {
		t.Fatalf("Read past the bound: %v, want an error naming the file and the bound", err)
	}
	if _, err := Read("/dev/zero", 1<<20); err == nil || !strings.Contains(err.Error(), "/dev/zero: more than 1048576 bytes") {
		t.Fatalf("Read of /dev/zero: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "none"), 8); !os.IsNotExist(err) || !strings.Contains(err.Error(), "none") {
		t.Fatalf("Read of a missing file: %v", err)
	}
	if _, err := Read(dir, 8); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Read of a directory: %v", err)
	}
}

// TestReadRefusesLargeFileUnread: a regular file over the bound is refused from its
// size, before any of it is read: a 300 MB file given for a spec cost ensim 0.6 GB
// of memory and seconds of reading, to be refused all the same. The file here is
// sparse, a GiB that takes no room on disk, and the bound 32 MiB, which the old
// reading allocated and filled before it looked at the length.
func TestReadRefusesLargeFileUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	const max = 32 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Read(path, max)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), path+": more than 33554432 bytes") {
		t.Fatalf("Read of a 1 GiB file: %v, want an error naming the file and the bound", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("Read allocated %d bytes to refuse a file over the bound: it read the file", alloc)
	}
}
