package cluster

import (
	"fmt"
	"strings"
)

// CheckEvent reports whether the demo peer (package kv) serves event: nil, or an
// error that quotes the event and lists the operations, the text of the peer's own
// "error: ..." answer without the prefix. ensctl checks an event with it before
// sending.
func CheckEvent(event []byte) error {
	parts := strings.SplitN(string(event), " ", 4) // as kv.Split(event, 3)
	op, args := parts[0], parts[1:]
	ok := true
	for _, a := range args {
		ok = ok && a != ""
	}
	switch {
	case op == "echo":
		return nil
	case op == "get" && len(args) == 1 && ok,
		op == "put" && len(args) >= 2 && ok,
		op == "cas" && len(args) == 3 && ok,
		(op == "leader" || op == "lead") && len(args) == 0:
		return nil
	}
	return fmt.Errorf("cannot parse %q (want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead)", event)
}
