package nettransport

import (
	"net"
	"testing"
	"time"
)

// TestUnreadSeesWaitingBytes: unread, which the handshake bound asks of each
// connection before it ends one, sees bytes that came and wait in the kernel without
// taking them, and none once they are read. Real TCP on loopback.
func TestUnreadSeesWaitingBytes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialer, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer dialer.Close()
	acc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	if unread(acc) {
		t.Fatal("bytes seen before any was sent")
	}
	if _, err := dialer.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !unread(acc); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the bytes sent were never seen")
		}
	}
	buf := make([]byte, 5)
	_ = acc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := acc.Read(buf); n != 5 || string(buf) != "hello" {
		t.Fatalf("read %q, %v after unread: want the 5 bytes, none taken by it", buf[:n], err)
	}
	if unread(acc) {
		t.Fatal("bytes seen after all were read")
	}
}
