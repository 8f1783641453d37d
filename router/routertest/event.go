package routertest

import (
	"fmt"
	"reflect"

	"github.com/ensroute/ensroute/router"
)

// eventFields names the fields of router.Event each kind uses besides Kind and Node, as
// router.Event documents them.
var eventFields = map[router.EventKind][]string{
	router.EvCall:      {"Call", "Target", "Timeout"},
	router.EvSend:      {"Call", "Msg", "To"},
	router.EvSendFail:  {"Call", "Msg", "To", "Err"},
	router.EvDeliver:   {"Call", "Peer", "Budget"},
	router.EvForward:   {"Call", "Peer", "Budget"},
	router.EvComplete:  {"Call", "Peer", "Code", "Err", "Result"},
	router.EvLate:      {"Call", "Msg", "Reason"},
	router.EvDrop:      {"Call", "Reason", "Instance"},
	router.EvRedirect:  {"Call", "Peer"},
	router.EvWorker:    {"Call"},
	router.EvLearn:     {"Entry"},
	router.EvIgnored:   {"Call", "Peer"},
	router.EvReplyHere: {"Call", "Code", "Reason"},
}

// EventFields returns the names of the fields of router.Event that events of kind k use
// besides Kind and Node (nil for an unknown kind).
func EventFields(k router.EventKind) []string { return eventFields[k] }

// CheckEvent reports an error naming the first field of ev that is set although ev's
// kind does not use it: router.Event promises such fields are zero.
func CheckEvent(ev *router.Event) error {
	uses, ok := eventFields[ev.Kind]
	if !ok {
		return fmt.Errorf("event of unknown kind %d", ev.Kind)
	}
	v := reflect.ValueOf(ev).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "Kind" || name == "Node" || contains(uses, name) {
			continue
		}
		if !v.Field(i).IsZero() {
			return fmt.Errorf("%s event has %s set: %v", ev.Kind, name, v.Field(i))
		}
	}
	return nil
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
