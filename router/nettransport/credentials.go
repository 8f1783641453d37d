package nettransport

import (
	"crypto/tls"
	"fmt"
	"slices"
)

// Credentials are what a node proves itself with and what it takes as proof: the
// cluster secret, the other secrets it accepts, and its TLS configurations. New takes
// them from Config (Secret, AcceptSecrets, ServerTLS, ClientTLS); SetCredentials
// replaces them while the transport runs, so that a node can change its secret or
// its certificate without a restart.
type Credentials struct {
	Secret               []byte
	AcceptSecrets        [][]byte
	ServerTLS, ClientTLS *tls.Config
	// KeepWithdrawn keeps up, when SetCredentials takes these credentials, the
	// connections whose other node proved what they no longer accept (a secret
	// removed, a certificate of a CA removed): they last until they end, as a
	// program that restarts no node may want while it rolls a change out. By
	// default SetCredentials drops them (see SetCredentials).
	KeepWithdrawn bool
}

// Credentials returns the credentials in use. The caller must not modify them.
func (t *Transport) Credentials() *Credentials { return t.creds.Load() }

// SetCredentials makes c the credentials of every handshake that begins from now on,
// and drops each connection up whose other node proved, at its handshake, what c no
// longer accepts: a secret that is neither c.Secret nor among c.AcceptSecrets, or a
// certificate that no longer verifies against c's CAs (ServerTLS.ClientCAs for a node
// that dialed this one, ClientTLS.RootCAs and the name dialed for one this node
// dialed), with the intermediates it presented. Each is warned of once, naming the
// node and why, counted in Stats.Withdrawn, and closed in the background after a
// goodbye, so that requests are failed at once rather than lost (see withdrawn.go);
// the two nodes redial at once, with the proof each holds now. A connection whose
// proof c accepts is left alone, and so is every one with c.KeepWithdrawn, or once
// the node has said goodbye (Goodbye): it still owes answers on them, and makes no
// connection anew, so they last until Close (as does one being dropped then). A
// connection whose handshake was in progress is checked once it is up. Handshakes in
// progress go on with the credentials they began with. It
// refuses (ErrBadConfig, and changes nothing) a secret shorter than 8 bytes, as
// Config.Validate does, and credentials that would turn TLS on or off: every node
// of a cluster must agree on TLS, so that takes a restart of each (see the README).
// The transport keeps c: the caller must not modify it after.
//
// They last as long as the transport: a node started again (a new Transport) takes
// its Config's, so a program that restarts a node gives it the credentials it last
// set. After Close, SetCredentials returns nil and changes nothing that is used: no
// handshake begins.
func (t *Transport) SetCredentials(c Credentials) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadConfig, fmt.Sprintf(format, args...))
	}
	cur := t.Credentials()
	switch {
	case len(c.Secret) < 8:
		return bad("the secret has %d bytes, want at least 8", len(c.Secret))
	case slices.ContainsFunc(c.AcceptSecrets, func(s []byte) bool { return len(s) < 8 }):
		return bad("a secret accepted has fewer than 8 bytes")
	case (c.ServerTLS == nil) != (cur.ServerTLS == nil), (c.ClientTLS == nil) != (cur.ClientTLS == nil):
		return bad("TLS cannot be turned on or off while the node runs (every node of a cluster must agree on it): restart the node")
	}
	t.creds.Store(&c)
	if !c.KeepWithdrawn && !t.closed() && !t.isLeaving() {
		t.dropWithdrawn(&c)
	}
	return nil
}
