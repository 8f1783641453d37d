package realcluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Bins are the paths of the built programs.
type Bins struct {
	Ensnode, Ensctl string
}

// Build builds ensnode and ensctl of the module that holds the working directory into
// dir.
func Build(dir string) (Bins, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return Bins{}, fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return Bins{}, fmt.Errorf("%w: not inside the module", ErrBadConfig)
	}
	build := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "./cmd/ensnode", "./cmd/ensctl")
	build.Dir = filepath.Dir(mod)
	if b, err := build.CombinedOutput(); err != nil {
		return Bins{}, fmt.Errorf("go build: %w\n%s", err, b)
	}
	return Bins{Ensnode: filepath.Join(dir, "ensnode"), Ensctl: filepath.Join(dir, "ensctl")}, nil
}

var shared struct {
	once sync.Once
	dir  string
	bins Bins
	err  error
}

// BuildShared builds the programs as Build does, once per process, into a temporary
// directory: a test binary's tests share one build. RemoveShared deletes it (the
// test binary's TestMain, after the tests).
func BuildShared() (Bins, error) {
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "ensroute-bin-")
		if shared.err == nil {
			shared.bins, shared.err = Build(shared.dir)
		}
	})
	return shared.bins, shared.err
}

// RemoveShared deletes what BuildShared built, if anything.
func RemoveShared() {
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
}
