package nettransport_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

type printer chan router.Message

func (p printer) Receive(m router.Message) { p <- m }

// Two nodes on loopback: n2 dials n1 (the handshake proves both know the secret),
// then sends it a message.
func Example() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	quiet := slog.New(slog.DiscardHandler)
	n1, _ := nettransport.New(nettransport.Config{ID: "n1", Cluster: "demo", Secret: []byte("s3cret-s3cret"), Logger: quiet})
	got := make(printer, 1)
	n1.Attach(got)
	go func() { _ = n1.Serve(l) }()
	defer n1.Close()

	n2, _ := nettransport.New(nettransport.Config{ID: "n2", Cluster: "demo", Secret: []byte("s3cret-s3cret"), Logger: quiet,
		Peers: map[router.NodeID]string{"n1": l.Addr().String()}})
	n2.Attach(make(printer, 1))
	defer n2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n2.Connect(ctx, "n1"); err != nil {
		fmt.Println(err)
		return
	}
	_ = n2.Send("n1", &router.Message{Kind: router.KindGossip, Entries: []router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}, Version: 1}}})
	fmt.Println(<-got)
	// Output:
	// gossip n2 e1=e1/p1@n1@v1
}
