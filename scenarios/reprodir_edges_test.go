package scenarios_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPropReproEnvDirectoryMade: ENSROUTE_PROP_REPRO written as a directory's path,
// with a separator at its end, names a directory, made if missing, with a file per
// property in it. filepath.Abs dropped the separator, and the first failing property
// wrote its repro to a file of the directory's name, the second beside it.
func TestPropReproEnvDirectoryMade(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repros")
	t.Setenv(reproEnv, dir+string(filepath.Separator))
	for _, name := range []string{"TestPropInvariants", "TestPropInvariantsChurn"} {
		if got, want := reproPath(propConfig{name: name}), filepath.Join(dir, name+".json"); got != want {
			t.Errorf("%s: repro path %s, want %s", name, got, want)
		}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s: %v, want a directory made", dir, err)
	}
}
