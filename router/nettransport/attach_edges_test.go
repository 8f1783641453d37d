package nettransport_test

// Edges of Attach: a receiver that is a nil pointer, and a receiver attached while
// connections are up.

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestAttachNilPointer: a nil pointer attached (the node of a driver whose New
// failed, its error ignored) attaches nothing: the transport refuses the nodes that
// connect as not ready (RefuseUnready), and Connect says Attach is missing, where the
// first connection used to call the nil receiver on a transport goroutine and crash
// the program.
func TestAttachNilPointer(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: secret,
		Logger: slog.New(slog.DiscardHandler), Peers: map[router.NodeID]string{"n3": "127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var none *recorder
	tr.Attach(none)
	if err := tr.Connect(t.Context(), "n3"); !errors.Is(err, nettransport.ErrBadConfig) {
		t.Fatalf("Connect with a nil pointer attached: %v, want ErrBadConfig (Connect before Attach)", err)
	}
	l := listen(t)
	go func() { _ = tr.Serve(l) }()
	n2 := startNode(t, "n2", false, peersOf("n1", l.Addr().String()))
	err = connect(t, n2, "n1")
	var re *nettransport.RefusedError
	if !errors.As(err, &re) || re.Code != nettransport.RefuseUnready {
		t.Fatalf("connect to a transport with a nil pointer attached: %v, want refused as not ready", err)
	}
}

// TestAttachAgainKeepsConnections: a connection hands its messages to the receiver
// attached when it came up; one attached later gets only those of later connections
// (see Attach: a driver that replaces a closed one needs a new transport).
func TestAttachAgainKeepsConnections(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	// n2's side is up when n1's welcome comes, before n1's side is: n1 tells its
	// receiver once the connection is up there, with the receiver it hands to.
	if !await(func() bool { return n1.rec.isUp("n2") }, n1.rec) {
		t.Fatal("n1 never saw n2 up")
	}
	later := newRecorder()
	n1.tr.Attach(later)
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return len(n1.rec.messages()) == 1 }, n1.rec) {
		t.Fatal("the first receiver was not handed the message of the connection up when it was attached")
	}
	if got := later.messages(); len(got) != 0 {
		t.Fatalf("the receiver attached later got %v from a connection that was up before it", got)
	}
}
