package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
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
	if strings.Trim(port, "0123456789") != "" {
		err = strconv.ErrSyntax // Atoi takes a sign: "+7001"
	}
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
		key := addrKey(addr)
		if other, ok := owner[key]; ok {
			if peers[other] == addr {
				return fmt.Errorf("%w: %s: %s and %s share the address %s", ErrUsage, what, other, id, addr)
			}
			return fmt.Errorf("%w: %s: %s and %s share an address: %s and %s are one", ErrUsage, what, other, id, peers[other], addr)
		}
		owner[key] = id
	}
	return nil
}

// addrKey is addr (host:port, checked) in the form two spellings of one address
// share (nettransport.CanonicalAddr: "localhost:7001" and "127.0.0.1:07001" are one;
// an IPv6 zone keeps its case). A node given a spelling of its own address for
// another member's would dial itself for ever.
func addrKey(addr string) string { return nettransport.CanonicalAddr(addr) }

// SamePort says whether a listener bound at a would take the port of one bound at b,
// both checked listening addresses (CheckAddr with listen set): the same port, not 0
// (the system picks one for each), and the same host however it is spelled (addrKey),
// or either host one that listens on every interface ("", "0.0.0.0", "::"), which
// shares its port with every address of the machine.
func SamePort(a, b string) bool {
	ka, kb := addrKey(a), addrKey(b)
	ha, pa, _ := net.SplitHostPort(ka)
	hb, pb, _ := net.SplitHostPort(kb)
	if pa != pb || pa == "0" {
		return false
	}
	return ha == hb || anyHost(ha) || anyHost(hb)
}

// SameAddr says whether a and b, checked addresses, are one however they are spelled
// (addrKey): "localhost:7001" and "127.0.0.1:07001" are.
func SameAddr(a, b string) bool { return addrKey(a) == addrKey(b) }

// TakesMemberAddr says whether a listener bound at listen, a checked listening
// address, would take the port of a member whose checked address in the peers is
// addr: the same address however it is spelled (SameAddr), or the same port where
// one of the two listens on every interface and the other is surely on this machine
// too (a loopback address, or every interface). ":7002" takes "127.0.0.1:7002",
// whose member then cannot start; it does not take "10.0.0.5:7002", which may be
// another machine's.
func TakesMemberAddr(listen, addr string) bool {
	if SameAddr(listen, addr) {
		return true
	}
	hl, pl, _ := net.SplitHostPort(addrKey(listen))
	ha, pa, _ := net.SplitHostPort(addrKey(addr))
	if pl != pa || pl == "0" || !anyHost(hl) && !anyHost(ha) {
		return false
	}
	return localHost(hl) && localHost(ha)
}

// localHost says whether host, in addrKey's form, is surely this machine's: a
// loopback address, or every interface.
func localHost(host string) bool {
	if anyHost(host) {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// anyHost says whether host, in addrKey's form, listens on every interface.
func anyHost(host string) bool {
	if host == "" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsUnspecified()
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
