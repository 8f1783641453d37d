package driver

import (
	"context"
	"errors"
	"fmt"
)

// Stop stops the node and its transport gracefully, in one call, in the order of
// "Wiring and stopping":
//
//  1. the transport's Goodbye(ctx), if it has one (nettransport's): the other nodes
//     stop sending here, and everything they sent before arrives; meanwhile the node
//     serves as usual;
//  2. the driver's Close: the router instances answer what their mailboxes took, and
//     what still arrives is shed;
//  3. held(ctx), unless held is nil: the program has its peers answer (or Nack) the
//     requests they hold to answer later from goroutines of their own. Its place is
//     here and nowhere else: until the driver's Close has returned a Handle may still
//     be handed a request to hold (so before Stop is too soon), and once the
//     transport is flushed and closed an answer goes nowhere and its caller waits
//     out its deadline;
//  4. the transport's Flush(ctx), if it has one: the answers queued are written;
//  5. the transport's Close(), if it has one.
//
// A transport with none of these methods (one of the program's own that it closes
// itself, say) is stopped by the program after Stop; the node's part is the same.
//
// ctx bounds the stop: the goodbye and the flush are given it, held is given it and
// must return once it is done (Stop waits for held), and Stop waits for the driver's
// Close until it is done. The driver's Close runs a peer's Handle for each request
// its mailboxes hold, so a slow peer makes it slow: if ctx ends first, Stop goes on
// without it (the router instances serve on in the background, and what they answer
// once the transport has closed is lost; a later Close waits for them), calls held,
// and flushes and closes the transport. The transport's Close is called whatever ctx
// says, so that its goroutines end; it waits as its own bound says (nettransport:
// Config.CloseLinger).
//
// It returns nil when every step ended in time and well; otherwise the errors of the
// steps, joined: the goodbye's (nettransport: ErrGoodbye, naming the nodes that did
// not acknowledge), one matching ctx.Err() if ctx ended before the driver's Close
// returned, the flush's (ctx.Err() if ctx ended first), the transport's Close's, and
// one matching ErrClosed if the node was closed before the goodbye had ended (a Close
// before Stop, or during its goodbye): the routes that arrived meanwhile were shed.
//
// A nil ctx is refused (ErrNilContext) and nothing is stopped.
//
// If held panics, Stop still flushes and closes the transport, and then panics
// with held's value; a later Stop returns the steps' errors and one saying that
// held panicked.
//
// Stop runs once: a second Stop, or one concurrent with the first, does nothing
// again; it waits for the first to end and returns its result, or ctx.Err() if its
// own ctx ends first. Close after Stop does nothing more than wait for the router
// instances, as a second Close does; a Close during Stop's goodbye closes the node
// then, as any Close does (what arrives from then on is shed), and Stop reports it
// (ErrClosed).
func (n *Node) Stop(ctx context.Context, held func(context.Context)) error {
	if ctx == nil {
		return ErrNilContext
	}
	if !n.stopping.CompareAndSwap(false, true) {
		// Not a sync.Once: a Once's second caller would wait for the first Stop
		// whatever its own ctx says.
		select {
		case <-n.stopped:
			return n.stopErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	panicked, err := n.stop(ctx, held)
	if panicked != nil {
		err = errors.Join(err, fmt.Errorf("driver: Stop's held panicked: %v", panicked))
	}
	n.stopErr = err
	close(n.stopped)
	if panicked != nil {
		panic(panicked)
	}
	return err
}

// goodbyer is a transport that tells the other nodes it is leaving, and waits until
// they have stopped sending to it, as nettransport's.
type goodbyer interface {
	Goodbye(ctx context.Context) error
}

// flusher is a transport that waits until what it queued has been written, as
// nettransport's.
type flusher interface {
	Flush(ctx context.Context) error
}

// closer is a transport that closes, as nettransport's.
type closer interface {
	Close() error
}

// stop is Stop's one run. It returns what held panicked with, if it did, having
// flushed and closed the transport all the same.
func (n *Node) stop(ctx context.Context, held func(context.Context)) (any, error) {
	var errs []error
	if g, ok := n.cfg.Transport.(goodbyer); ok {
		errs = append(errs, g.Goodbye(ctx))
	}
	if n.isClosed() {
		errs = append(errs, fmt.Errorf("%w before Stop's goodbye had ended: the routes that arrived meanwhile were shed, not served", ErrClosed))
	}
	closed := make(chan struct{})
	go func() {
		_ = n.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("the driver's Close had not returned (its router instances serve on, and what they answer once the transport has closed is lost): %w", ctx.Err()))
	}
	var panicked any
	if held != nil {
		panicked = callHeld(ctx, held)
	}
	if f, ok := n.cfg.Transport.(flusher); ok {
		errs = append(errs, f.Flush(ctx))
	}
	if c, ok := n.cfg.Transport.(closer); ok {
		errs = append(errs, c.Close())
	}
	return panicked, errors.Join(errs...)
}

// callHeld runs held(ctx), and returns what it panicked with, if it did (nil
// otherwise; a panic with a nil value is returned as the runtime's PanicNilError).
func callHeld(ctx context.Context, held func(context.Context)) (panicked any) {
	defer func() { panicked = recover() }()
	held(ctx)
	return nil
}
