package driver_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// A nil context is a mistake that Call and CallTimeout name (ErrNilContext), rather
// than a nil dereference in the driver.
func TestNilContextRefused(t *testing.T) {
	n, err := driver.New(driver.Config{ID: "n1", Transport: alone{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	ran := false
	if err := n.AddPeer(p, driver.PeerFunc(func(r *driver.Request) { ran = true; r.Reply(nil) })); err != nil {
		t.Fatal(err)
	}
	n.Learn(router.Entry{Ensemble: "e1", Leader: p, Version: 1})
	for name, f := range map[string]func() (router.Result, error){
		//lint:ignore SA1012 a nil context on purpose
		"Call": func() (router.Result, error) { return n.Call(nil, router.ToPeer(p), nil) },
		//lint:ignore SA1012 a nil context on purpose
		"CallTimeout": func() (router.Result, error) { return n.CallTimeout(nil, router.ToEnsemble("e1"), nil, time.Second) },
	} {
		res, err := f()
		if !errors.Is(err, driver.ErrNilContext) || !errors.Is(res.Err, driver.ErrNilContext) {
			t.Errorf("%s with a nil context: %v (Result.Err %v), want ErrNilContext", name, err, res.Err)
		}
	}
	if ran {
		t.Error("a call with a nil context reached its peer")
	}
}

// A driver started again on the transport of the one it replaces is refused: that
// transport's connections would go on handing their messages to the closed driver,
// and every call of the new one would time out.
func TestNewRefusesAttachedTransport(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: []byte("driver-secret"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	cfg := driver.Config{ID: "n1", Transport: tr, Logger: quiet}
	n, err := driver.New(cfg)
	if err != nil {
		t.Fatalf("New on a fresh transport: %v", err)
	}
	if tr.Attached() {
		t.Fatal("Attached before Attach")
	}
	tr.Attach(n)
	if !tr.Attached() {
		t.Fatal("not Attached after Attach")
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	checkValidate(t, cfg, "Transport has a receiver attached already: a driver started again needs a new transport")
}

// Two Directory entries of one ensemble and one version that name different leaders
// are refused: the node would keep whichever came first, silently.
func TestDirectoryConflictRefused(t *testing.T) {
	p1 := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	p2 := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	cfg := driver.Config{ID: "n1", Transport: alone{}, Logger: quiet}
	cfg.Directory = []router.Entry{{Ensemble: "e1", Leader: p1, Version: 3}, {Ensemble: "e2"}, {Ensemble: "e1", Leader: p2, Version: 3}}
	checkValidate(t, cfg, "Directory[0] (e1=e1/p1@n1@v3) and Directory[2] (e1=e1/p2@n2@v3) name two leaders with one version")
	// The same entry twice, or two versions of one ensemble, are no conflict: the
	// newest counts.
	cfg.Directory = []router.Entry{{Ensemble: "e1", Leader: p1, Version: 3}, {Ensemble: "e1", Leader: p1, Version: 3}, {Ensemble: "e1", Leader: p2, Version: 4}}
	checkValidate(t, cfg, "")
	n, err := driver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if e, _ := n.Lookup("e1"); e.Leader != p2 {
		t.Fatalf("e1 led by %v, want %v", e.Leader, p2)
	}
	// An election (no leader) and a leader with one version conflict too.
	cfg.Directory = []router.Entry{{Ensemble: "e1", Version: 5}, {Ensemble: "e1", Leader: p1, Version: 5}}
	checkValidate(t, cfg, "name two leaders with one version")
}

// nameless is a transport that says it speaks for no node.
type nameless struct{ alone }

func (nameless) Identity() (router.NodeID, router.Incarnation) { return "", 7 }

// An empty ID takes the transport's, as an Incarnation of 0 does, rather than being
// refused when the transport says which node it speaks for: the program need not
// give the id twice. Without such a transport it is refused, naming the field.
func TestEmptyIDTakesTheTransports(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: []byte("driver-secret"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	cfg := driver.Config{Transport: tr, Members: []router.NodeID{"n1", "n2"}, Logger: quiet}
	checkValidate(t, cfg, "")
	n, err := driver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if id, inc := tr.Identity(); n.ID() != id || n.Incarnation() != inc {
		t.Fatalf("node %s/%d on the transport of %s/%d", n.ID(), n.Incarnation(), id, inc)
	}
	checkValidate(t, driver.Config{Transport: alone{}}, "ID is empty")
	checkValidate(t, driver.Config{Transport: nameless{}}, "ID is empty, and so is the transport's")
}

// A program that leaves the ID out, as Example_tcp does, and whose transport is
// missing is told what is missing: the transport, not the ID, which it was told to
// leave out. A nil *nettransport.Transport (nettransport.New failed, its error
// ignored) is named as one; both were refused as "ID is empty".
func TestMissingTransportNamedWithoutID(t *testing.T) {
	var failed *nettransport.Transport
	checkValidate(t, driver.Config{Transport: failed}, "Transport is a nil *nettransport.Transport")
	checkValidate(t, driver.Config{}, "Transport is nil")
}

// A program that forgot to Attach its driver to its nettransport is told so by each
// call to another node (under default semantics, a call the transport refused
// returns its error), not with a bare "node unreachable".
func TestForgottenAttachNamed(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: []byte("driver-secret"),
		Peers: map[router.NodeID]string{"n2": "127.0.0.1:1"}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	n, err := driver.New(driver.Config{Transport: tr, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p2 := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	n.Learn(router.Entry{Ensemble: "e1", Leader: p2, Version: 1})
	_, err = n.CallTimeout(context.Background(), router.ToEnsemble("e1"), nil, time.Second)
	if !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "nothing is attached") {
		t.Errorf("call with nothing attached: %v, want ErrUnreachable saying nothing is attached", err)
	}
	if err := n.Cast(router.ToPeer(p2), nil); !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "nothing is attached") {
		t.Errorf("cast with nothing attached: %v, want ErrUnreachable saying nothing is attached", err)
	}
}
