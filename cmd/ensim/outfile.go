package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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
		// Check that the file could be written over, without touching it.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved // replace the file a link names, not the link
	}
	dir, base := filepath.Split(target)
	for {
		tmpSeq++
		tmp := filepath.Join(dir, "."+base+".tmp-"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(tmpSeq))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
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
		o := &outFile{f: f, path: path, target: target, tmp: tmp}
		if fi != nil {
			// The new file keeps the old one's permissions.
			if err := f.Chmod(fi.Mode().Perm()); err != nil {
				o.discard()
				return nil, err
			}
		}
		return o, nil
	}
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
	if err == nil {
		err = os.Rename(o.tmp, o.target)
	}
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
		os.Remove(o.tmp)
	}
	o.f = nil
}

// writeOut writes path with write, putting it in place only when write and the
// file's close succeed.
func writeOut(path string, write func(io.Writer) error) error {
	o, err := createOut(path)
	if err != nil {
		return err
	}
	if err := write(o); err != nil {
		o.discard()
		return err
	}
	return o.commit()
}
