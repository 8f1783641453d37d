package nettransport_test

import (
	"fmt"

	"github.com/ensroute/ensroute/router/nettransport"
)

// Two spellings of one address share a form; an IPv6 zone keeps its case, as the
// interface names it does.
func ExampleCanonicalAddr() {
	for _, addr := range []string{"localhost:07001", "127.0.0.1:7001", "[::ffff:10.0.0.1]:80", "Node-1.Example.:7001", "[fe80::1%ETH0]:7001", "node1:http"} {
		fmt.Println(nettransport.CanonicalAddr(addr))
	}
	// Output:
	// 127.0.0.1:7001
	// 127.0.0.1:7001
	// 10.0.0.1:80
	// node-1.example:7001
	// [fe80::1%ETH0]:7001
	// node1:http
}
