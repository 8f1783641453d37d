package netns_test

import (
	"fmt"

	"github.com/ensroute/ensroute/cmd/internal/netns"
)

// Every namespace name carries the process id of the run that made it, so a later run
// can delete what a dead one left behind (Sweep).
func ExampleOwner() {
	fmt.Println(netns.Owner("ensr4242-9f3a1c-2"))
	fmt.Println(netns.Owner("ensr4242-9f3a1c-sw"))
	fmt.Println(netns.Owner("someone-elses"))
	fmt.Println(netns.Owner("ensr0-9f3a1c-1"))
	// Output:
	// 4242 true
	// 4242 true
	// 0 false
	// 0 false
}
