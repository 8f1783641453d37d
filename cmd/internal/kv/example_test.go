package kv_test

import (
	"fmt"

	"github.com/ensroute/ensroute/cmd/internal/kv"
)

// The last argument of an event takes the rest of the line.
func ExampleSplit() {
	op, args := kv.Split([]byte("put greeting hello world"), 2)
	fmt.Printf("%s %q\n", op, args)
	// Output:
	// put ["greeting" "hello world"]
}
