package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestModule(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{name: "nothing recorded", want: "(devel)"},
		{name: "a version", bi: debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, want: "v1.2.3"},
		{name: "a revision", bi: debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}, want: "(devel) abc"},
		{name: "a dirty tree", bi: debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: "abc"}}}, want: "v1.2.3 abc (modified)"},
		{name: "modified without a revision", bi: debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}}, want: "(devel)"},
	} {
		if got := module(&tc.bi); got != tc.want {
			t.Errorf("%s: module = %q, want %q", tc.name, got, tc.want)
		}
	}
	if s := String(); !strings.HasSuffix(s, " "+runtime.Version()) || !strings.HasPrefix(s, Module()) {
		t.Errorf("String() = %q, want Module() and the Go release", s)
	}
}
