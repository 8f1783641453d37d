package transporttest_test

import (
	"fmt"

	"github.com/ensroute/ensroute/router/transporttest"
)

// The messages the contract sends: one of each kind, every field in use.
func ExampleMessages() {
	for _, m := range transporttest.Messages("n1") {
		fmt.Println(m)
	}
	// Output:
	// route n1 r6 ens=e1 call=n1.1099511627779.8589934599 ev="get k" budget=250ms hops=1
	// cast n1 r0 ens=e1 ev="put k v" budget=inf hops=2
	// peer n1 peer=e1/p1@n2 fwd call=n1.1099511627779.8589934599 ev="\x00\x01\x02\xff" budget=1ns hops=3
	// reply n1 ok "v" by=e1/p1@n2 call=n1.1099511627779.8589934599 hops=4
	// reply n1 hop-limit call=n1.1099511627779.8589934599 hops=5
	// gossip n1 e1=e1/p1@n2@v4611686018427387904 e2=-@v3
}
