package router

import (
	"fmt"
	"reflect"
)

// EventLeftover reports an error naming the first field of the node's own Event, besides
// Node and Call, that is set between events, when it must be clean (see Node.event):
// the builder of the last event did not zero what it set.
func EventLeftover(n *Node) error {
	v := reflect.ValueOf(&n.ev).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name != "Node" && name != "Call" && !v.Field(i).IsZero() {
			return fmt.Errorf("node %s: its event holds %s %v between events", n.cfg.ID, name, v.Field(i))
		}
	}
	return nil
}

// ResetMessage exposes Message.reset to the package's external tests.
func ResetMessage(m *Message, k Kind) { m.reset(k) }

// DirectoryGet exposes Directory.get, the node's remembering lookup, to the package's
// external tests.
func DirectoryGet(d *Directory, e EnsembleID) (Entry, bool) {
	p := d.get(e)
	if p == nil {
		return Entry{}, false
	}
	return *p, true
}
