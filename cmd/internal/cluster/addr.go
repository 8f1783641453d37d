package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// CheckAddr checks that addr is host:port with a port from 1 to 65535 (0 too, when
// listen is set: the system picks one), and a host unless the address is one to
// listen on (":7001" listens on every interface, but cannot be dialed). It names what
// in the error, which wraps ErrUsage.
func CheckAddr(what, addr string, listen bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: %s %q: want host:port", ErrUsage, what, addr)
	}
	p, err := strconv.Atoi(port)
	low := 1
	if listen {
		low = 0
	}
	if err != nil || p < low || p > 65535 {
		return fmt.Errorf("%w: %s %q: port %q is not a number from %d to 65535", ErrUsage, what, addr, port, low)
	}
	if host == "" && !listen {
		return fmt.Errorf("%w: %s %q: the address needs a host", ErrUsage, what, addr)
	}
	return nil
}

// CheckName checks that a node or ensemble name fits the protocol
// (nettransport.MaxName bytes) and the programs' text: valid UTF-8 (the admin
// server's JSON and Prometheus labels carry nothing else), without white space or
// control characters (ensctl's arguments and answers, and the demo peer's events,
// are separated by spaces), "=" or "," (the separators of --peers and --ensemble).
// It names what in the error, which wraps ErrUsage.
func CheckName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: %s: empty (a name is needed)", ErrUsage, what)
	}
	if len(name) > nettransport.MaxName {
		return fmt.Errorf("%w: %s %.20q...: %d bytes, the longest name is %d", ErrUsage, what, name, len(name), nettransport.MaxName)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: %s %q: not valid UTF-8", ErrUsage, what, name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '=' || r == ',' {
			return fmt.Errorf("%w: %s %q: %q is not allowed in a name (white space, control characters, = and , are not)",
				ErrUsage, what, name, r)
		}
	}
	return nil
}

// checkPeers checks every member's id and address, and that no two members share
// one; what names the peers' setting in errors.
func checkPeers(what string, peers map[router.NodeID]string) error {
	owner := map[string]router.NodeID{}
	for _, id := range sortedIDs(peers) {
		addr := peers[id]
		if err := CheckName(what+": node", string(id)); err != nil {
			return err
		}
		if err := CheckAddr(what+": "+string(id), addr, false); err != nil {
			return err
		}
		if other, ok := owner[addr]; ok {
			return fmt.Errorf("%w: %s: %s and %s share the address %s", ErrUsage, what, other, id, addr)
		}
		owner[addr] = id
	}
	return nil
}

// peerOrder returns the node ids of a config file's "peers" object in the order the
// file lists them, which a map forgets; b has been decoded strictly, so it is valid
// JSON that lists no id twice.
func peerOrder(b []byte) []router.NodeID {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil
	}
	raw, ok := top["peers"]
	if !ok {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var order []router.NodeID
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		order = append(order, router.NodeID(key))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
	}
	return order
}
