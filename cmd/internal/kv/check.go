package kv

import "fmt"

// want lists the events a peer understands, as its error answer and Check say.
const want = "want get KEY, put KEY VALUE, cas KEY OLD NEW, echo TEXT, leader or lead"

// Check reports whether a peer understands event: nil, or an error that quotes the
// event and lists the operations (the text of the peer's own "error: ..." answer,
// without the prefix). A client checks an event with it before sending.
func Check(event []byte) error {
	op, args := Split(event, 3)
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
	return fmt.Errorf("cannot parse %q (%s)", event, want)
}
