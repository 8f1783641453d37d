// Package limitfile reads a file the user names, up to a bound, so that a path such
// as /dev/zero, or a file far larger than any of its kind, gets an error naming it
// instead of exhausting the process's memory.
package limitfile

import (
	"fmt"
	"io"
	"os"
)

// Read returns the contents of path, or an error: os's (naming path), or one saying
// that the file holds more than max bytes. A regular file whose size is over max is
// refused before anything of it is read; any other file (a pipe, a device) is read
// up to max+1 bytes at most, and so is a regular file that grows while it is read.
func Read(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooBig := func() error { return fmt.Errorf("%s: more than %d bytes, far more than such a file holds", path, max) }
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > max {
		return nil, tooBig()
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, tooBig()
	}
	return b, nil
}
