package realcluster_test

import (
	"fmt"
	"strings"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
)

// A node's memory as /proc/PID/status gives it: resident now, and at its peak.
func ExampleParseStatus() {
	status := "Name:\tensnode\nVmHWM:\t   20480 kB\nVmRSS:\t   18432 kB\nThreads:\t9\n"
	m, err := realcluster.ParseStatus(strings.NewReader(status))
	fmt.Println(realcluster.MiB(m.RSS), realcluster.MiB(m.Peak), err)
	// Output:
	// 18.0MiB 20.0MiB <nil>
}
