package driver_test

// What a program that embeds the router meets, and what the documentation must tell
// it: the errors a call returns before it starts, a cast to a node not connected, and
// a closed node's directory.

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/mdsection"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// docOf returns the doc comment of the method recv.name declared in file of this
// package.
func docOf(t *testing.T, file, recv, name string) string {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != name || fd.Recv == nil || len(fd.Recv.List) != 1 {
			continue
		}
		if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
			if id, ok := star.X.(*ast.Ident); ok && id.Name == recv {
				return fd.Doc.Text()
			}
		}
	}
	t.Fatalf("no method %s.%s in %s", recv, name, file)
	return ""
}

// embeddingSection is README's section for programs that embed the router, its
// words joined by single spaces.
func embeddingSection(t *testing.T) string {
	return strings.Join(strings.Fields(embeddingText(t)), " ")
}

// embeddingText is README's section for programs that embed the router, as written.
func embeddingText(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := mdsection.Of(string(data), "### Embedding the router in your own program")
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// TestCallErrorsBeforeItStarts: the errors a call returns without starting (after
// Close, a bad target, a first message the transport refused) are each named in
// Call's documentation and in README's section on embedding, not only in Cast's or
// Close's, where a program that handles Call's errors would not look.
func TestCallErrorsBeforeItStarts(t *testing.T) {
	c := newCluster(t, true)
	n1, _ := c.leaderOnN2(echo())
	n3 := c.add("n3", nil)
	if err := n3.Close(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		node   *driver.Node
		target router.Target
		event  []byte
		want   error
		doc    string // how Call's documentation and README name it
	}{
		{"closed", n3, router.ToEnsemble("e1"), []byte("x"), driver.ErrClosed, "ErrClosed"},
		{"bad target", n1, router.Target{}, []byte("x"), router.ErrBadTarget, "ErrBadTarget"},
		{"too large", n1, router.ToPeer(ref("e1", "n2")), make([]byte, nettransport.DefaultMaxFrame+1), nettransport.ErrTooLarge, "nettransport.ErrTooLarge"},
	}
	callDoc := strings.Join(strings.Fields(docOf(t, "call.go", "Node", "Call")), " ")
	readme := embeddingSection(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.node.CallTimeout(context.Background(), tc.target, tc.event, time.Second)
			if !errors.Is(err, tc.want) || !errors.Is(res.Err, tc.want) {
				t.Fatalf("the call returned %v (Result.Err %v), want %v", err, res.Err, tc.want)
			}
			if !strings.Contains(callDoc, tc.doc) {
				t.Errorf("Call returns %v, but its documentation does not name %s", err, tc.doc)
			}
			if !strings.Contains(readme, tc.doc) {
				t.Errorf("Call returns %v, but README's section on embedding does not name %s", err, tc.doc)
			}
		})
	}
}

// TestCastToNodeNotConnected: a cast to a node not connected yet is dropped and
// reported, under either semantics: Cast returns router.ErrUnreachable and counts it
// in Stats.Router.CastDrop, as README says (it said only that the cast was dropped and
// counted, as if nothing were returned).
func TestCastToNodeNotConnected(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			c := newCluster(t, true)
			n1 := c.add("n1", func(cfg *driver.Config) { cfg.Semantics = sem })
			n1.Learn(router.Entry{Ensemble: "e2", Leader: ref("e2", "n2"), Version: 1}) // n2 never starts
			for _, target := range []router.Target{router.ToEnsemble("e2"), router.ToPeer(ref("e2", "n2"))} {
				before := n1.Stats().Router.CastDrop
				if err := n1.Cast(target, []byte("x")); !errors.Is(err, router.ErrUnreachable) {
					t.Errorf("a cast to %v, on a node not connected: %v, want router.ErrUnreachable", target, err)
				}
				if got := n1.Stats().Router.CastDrop; got != before+1 {
					t.Errorf("a cast to %v, on a node not connected: CastDrop went from %d to %d, want one more", target, before, got)
				}
			}
		})
	}
	if readme := embeddingSection(t); !strings.Contains(readme, "`Cast` returns `ErrUnreachable`") {
		t.Error("README's section on embedding does not say that a cast to a node not connected returns ErrUnreachable")
	}
}

// TestRestartedMemberLearnsDirectoryOnConnect: a member started again with no
// Directory learns the directory from the other members as its connections come up
// (PeerUp), not at their next anti-entropy round (an hour here); README tells a
// program that calls at once what it meets meanwhile.
func TestRestartedMemberLearnsDirectoryOnConnect(t *testing.T) {
	c := newCluster(t, true)
	members := func(cfg *driver.Config) {
		cfg.Members = []router.NodeID{"n1", "n2"}
		cfg.GossipInterval = time.Hour
	}
	c.add("n1", members)
	c.leads(ref("e1", "n1"), 1)
	n2 := c.add("n2", members)
	if _, ok := n2.Lookup("e1"); ok {
		t.Fatal("n2 knows e1's leader before it connects")
	}
	c.connect("n2", "n1")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if e, ok := n2.Lookup("e1"); ok {
			if e.Leader != ref("e1", "n1") {
				t.Fatalf("n2 learned %v", e)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("n2 has not learned e1's leader 5s after it connected to n1")
		}
		time.Sleep(time.Millisecond)
	}
	readme := embeddingSection(t)
	for _, want := range []string{"started with no `Directory`", "fail `ErrNoLeader` at once"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README's section on embedding does not say what a node started again meets before it learns the directory (%q)", want)
		}
	}
}

// TestClosedNodeDirectory: after Close, Learn and Announce still apply an entry, and
// Announce still pushes it to the members while the transport is open, as Close's
// documentation says; gossip that arrives is ignored.
func TestClosedNodeDirectory(t *testing.T) {
	c := newCluster(t, true)
	members := func(cfg *driver.Config) { cfg.Members = []router.NodeID{"n1", "n2"} }
	n1, n2 := c.add("n1", members), c.add("n2", members)
	c.connect("n2", "n1")
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
	learned := router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1}
	if !n2.Learn(learned) {
		t.Fatal("Learn after Close: not applied")
	}
	announced := router.Entry{Ensemble: "e2", Leader: ref("e2", "n2"), Version: 1}
	if !n2.Announce(announced) {
		t.Fatal("Announce after Close: not applied")
	}
	if e, ok := n2.Lookup("e2"); !ok || e != announced {
		t.Fatalf("after Close, Lookup(e2) = %v, %v; want the entry announced", e, ok)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if e, ok := n1.Lookup("e2"); ok && e == announced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("n1 has not heard the entry n2 announced after its Close")
		}
		time.Sleep(time.Millisecond)
	}
	n1.Announce(router.Entry{Ensemble: "e3", Leader: ref("e3", "n1"), Version: 1})
	time.Sleep(50 * time.Millisecond)
	if e, ok := n2.Lookup("e3"); ok {
		t.Fatalf("a closed node took gossip: %v", e)
	}
	doc := strings.Join(strings.Fields(docOf(t, "node.go", "Node", "Close")), " ")
	for _, want := range []string{"Learn and Announce still apply", "gossip received is ignored"} {
		if !strings.Contains(doc, want) {
			t.Errorf("Close's documentation does not say what the directory of a closed node does (%q)", want)
		}
	}
}

// TestEmbeddingSectionOnCredentials: README tells a program that restarts a node that
// the credentials it set on the old transport do not carry over to the new one.
func TestEmbeddingSectionOnCredentials(t *testing.T) {
	readme := embeddingSection(t)
	for _, want := range []string{"for as long as that transport lives", "gives it the credentials it last set"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README's section on embedding does not say that SetCredentials lasts only as long as its transport (%q)", want)
		}
	}
}

// TestEmbeddingOutlineGivesMembers: README's outline builds the node with Members. A
// program built from the outline without them ran, but its Announce reached no other
// node, and each node routed to the leader it had learned itself, with no warning
// (gossip from a node not in Members is refused and logged; a node with no Members
// sends none to be refused).
func TestEmbeddingOutlineGivesMembers(t *testing.T) {
	_, outline, _ := strings.Cut(embeddingSection(t), "In outline, as `Example_tcp` does it:")
	outline, _, _ = strings.Cut(outline, "What the package documentation spells out")
	_, step, _ := strings.Cut(outline, "`driver.New(")
	step, _, _ = strings.Cut(step, "3. ")
	for _, want := range []string{"Members: ", "an `Announce` reaches no other node"} {
		if !strings.Contains(step, want) {
			t.Errorf("README's outline builds the node without saying %q: %q", want, step)
		}
	}
}

// TestEmbeddingOutlineIsTheExample: each call README's outline of a program that
// embeds the router names (as receiver.Method(...)) is one Example_tcp makes, and the
// stop's calls come in the example's order, so the two cannot drift apart: an outline
// that named a call the example no longer makes, or put the stop out of order, would
// mislead the program built from it.
func TestEmbeddingOutlineIsTheExample(t *testing.T) {
	_, outline, ok := strings.Cut(embeddingText(t), "In outline, as `Example_tcp` does it:")
	if !ok {
		t.Fatal("README's section on embedding has no outline")
	}
	outline, _, _ = strings.Cut(outline, "What the package documentation spells out")
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(src), "func Example_tcp() {")
	if !ok {
		t.Fatal("no Example_tcp in example_test.go")
	}
	calls := regexp.MustCompile("`"+`(?:go )?([a-z]+)\.([A-Z][A-Za-z]*)\(`).FindAllStringSubmatch(outline, -1)
	if len(calls) < 9 { // the wiring, a call, and the stop in one (Node.Stop)
		t.Fatalf("the outline names %d calls, want the whole wiring and stop:\n%s", len(calls), outline)
	}
	for _, c := range calls {
		if !strings.Contains(example, "."+c[2]+"(") {
			t.Errorf("the outline names %s.%s, which Example_tcp does not call", c[1], c[2])
		}
	}
	// The stop, in the outline's order and the example's.
	_, stop, _ := strings.Cut(outline, "to stop:")
	var last string
	at := -1
	for _, c := range regexp.MustCompile(`([a-z]+\.[A-Z][A-Za-z]*)\(`).FindAllStringSubmatch(stop, -1) {
		i := strings.Index(example, c[1]+"(")
		if i < at {
			t.Errorf("the outline stops with %s after %s; Example_tcp calls them the other way round", c[1], last)
		}
		at, last = i, c[1]
	}
	if last == "" {
		t.Error("the outline does not say how to stop")
	}
}
