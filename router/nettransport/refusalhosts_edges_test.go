package nettransport_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRefusalsFromManyHostsBounded: garbage from 100 addresses (on Linux every
// 127.x.y.z is this machine's) used to be 100 warnings, one per connection: a stranger
// with many addresses could write the log without bound. At most 32 are warnings now
// (refusalBurst), the rest at debug, marked over_limit; every one is counted.
func TestRefusalsFromManyHostsBounded(t *testing.T) {
	acc := startNode(t, "n1", true, nil)
	const n = 100
	for i := range n {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, 9, byte(i+1))}
		d := net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", acc.addr)
		if err != nil {
			if i == 0 {
				t.Skipf("cannot dial from %v: %v (127.0.0.0/8 is not all local here)", local, err)
			}
			t.Fatal(err)
		}
		if _, err := c.Write([]byte(fmt.Sprintf("garbage %08d", i))); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.ReadAll(c) // the node closes at once
		_ = c.Close()
	}
	if !await(func() bool { return strings.Count(acc.log.String(), "refused connection") == n }) {
		t.Fatalf("want %d refusals logged; log:\n%s", n, acc.log.String())
	}
	warned, over := 0, 0
	for _, line := range strings.Split(acc.log.String(), "\n") {
		switch {
		case strings.Contains(line, "level=WARN") && strings.Contains(line, "refused connection"):
			warned++
		case strings.Contains(line, "level=DEBUG") && strings.Contains(line, "refused connection") && strings.Contains(line, "over_limit=true"):
			over++
		}
	}
	if warned != 32 || over != n-32 {
		t.Fatalf("%d warnings and %d over the limit at debug for garbage from %d hosts, want 32 and %d; log:\n%s", warned, over, n, n-32, acc.log.String())
	}
	if st := acc.tr.Stats(); st.Refused != n {
		t.Fatalf("Refused = %d, want %d: each refusal is counted, logged or not", st.Refused, n)
	}
}
