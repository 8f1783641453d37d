package netns

import (
	"net"
	"strconv"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

type dialerOf struct{}

func (dialerOf) dial(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, 300*time.Millisecond)
}
