package driver_test

import (
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestClosedTransportRefused: New refuses a transport that says it is closed (a
// Closed method, as nettransport's), with ErrBadConfig saying so, as it refuses one
// with a receiver attached: a program that closed its transport and built a driver
// over it again (a restart that reused the old one) got a node every call and cast of
// which failed (unreachable: the transport is closed). A transport that is open, or
// that cannot tell, is taken.
func TestClosedTransportRefused(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: []byte("driver-secret"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cfg := driver.Config{Transport: tr, Members: []router.NodeID{"n1", "n2"}, Logger: quiet}
	checkValidate(t, cfg, "")
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	checkValidate(t, cfg, "Transport is closed already")
	checkValidate(t, driver.Config{ID: "n1", Transport: closedOwn{}}, "Transport is closed already")
	checkValidate(t, driver.Config{ID: "n1", Transport: openOwn{}}, "")
}

// closedOwn is a transport of a program's own that says it is closed; openOwn one
// that says it is not.
type (
	closedOwn struct{ alone }
	openOwn   struct{ alone }
)

func (closedOwn) Closed() bool { return true }
func (openOwn) Closed() bool   { return false }
