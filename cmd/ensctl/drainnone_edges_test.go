package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDrainOfANodeInNoEnsembleSaysSo: a drain of a node that none of the ensembles
// given (--ensemble, or a --config of another cluster, say) has a member on moves
// nothing, exit 0, and says so, naming the ensembles it was given, rather than print
// nothing at all, as if the node had been drained.
func TestDrainOfANodeInNoEnsembleSaysSo(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	for _, json := range []bool{false, true} {
		args := []string{"leader", "drain", "--peers", "n1=" + n.addr + ",n2=127.0.0.1:1", "--secret-file", n.secret,
			"--connect-timeout", "100ms", "--ensemble", "e2=n2", "--ensemble", "e3=n2"}
		if json {
			args = append(args, "--json")
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "n1"), &out, &errb)
		want := "ensctl: leader drain n1: no ensemble of --ensemble (e2, e3) has a member on n1: nothing to move\n"
		if code != 0 || out.Len() != 0 || !strings.Contains(errb.String(), want) {
			t.Errorf("--json %v: exit %d, stdout %q, stderr %q; want exit 0, nothing on stdout, and on stderr %q", json, code, out.String(), errb.String(), want)
		}
	}
}

// TestDrainOfASoleMemberSaysSo: the lead of an ensemble whose only member is on the
// node drained cannot move (exit 1), and drain says that it has no other member, not
// that no other member is connected, which would send the operator looking for one.
func TestDrainOfASoleMemberSaysSo(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"leader", "drain", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
		"--ensemble", "e1=n1", "n1"}, &out, &errb)
	if want := "e1: led by n1, its only member: there is no other to take it\n"; code != 1 || out.String() != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, stdout %q", code, out.String(), errb.String(), want)
	}
}
