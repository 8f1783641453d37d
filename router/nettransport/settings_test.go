package nettransport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// heard records what Config.OnSettings was called with.
type heard struct {
	mu  sync.Mutex
	got []string
}

func (h *heard) on(id router.NodeID, inc router.Incarnation, s []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, fmt.Sprintf("%s/%d: %s", id, inc, s))
}

func (h *heard) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

// TestSettingsExchanged: each side of a connection hears the other's Config.Settings
// once, with its id and incarnation, as soon as the connection is up; a node with no
// Settings sends none. Settings past MaxSettings are a configuration error.
func TestSettingsExchanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h1, h2 heard
		n1, _ := pipeNode(t, "n1", func(c *Config) { c.Settings, c.OnSettings = []byte("semantics=default"), h1.on })
		dial := func(id router.NodeID, inc router.Incarnation, edit func(*Config)) *Transport {
			tr, _ := pipeNode(t, id, func(c *Config) {
				c.Incarnation = inc
				dialsOverPipe(c, "n1", n1)
				edit(c)
			})
			if err := tr.Connect(context.Background(), "n1"); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			return tr
		}
		dial("n2", 7, func(c *Config) { c.Settings, c.OnSettings = []byte("semantics=riak\nrouters=3"), h2.on })
		dial("n3", 1, func(*Config) {}) // no Settings
		if diff := cmp.Diff([]string{"n2/7: semantics=riak\nrouters=3"}, h1.list()); diff != "" {
			t.Errorf("n1 heard (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"n1/1: semantics=default"}, h2.list()); diff != "" {
			t.Errorf("n2 heard (-want +got):\n%s", diff)
		}
	})
	// Settings past MaxSettings from the other side are ignored, not handed on.
	var h heard
	n1, _ := pipeNode(t, "n1", func(c *Config) { c.OnSettings = h.on })
	c := newConn(n1, nil)
	c.p = newPeer(n1, "n2", "")
	c.control(append([]byte{ctlSettings}, strings.Repeat("x", MaxSettings+1)...))
	c.control(append([]byte{ctlSettings}, "routers=7"...))
	if got := h.list(); len(got) != 1 || !strings.HasSuffix(got[0], ": routers=7") {
		t.Fatalf("OnSettings heard %d settings (%.40q...), want only the one of a size a node can send", len(got), got)
	}
	// Settings sent again on the same connection are ignored: OnSettings runs once a
	// connection, as Config says, however many a peer sends.
	for range 3 {
		c.control(append([]byte{ctlSettings}, "routers=9"...))
	}
	if got := h.list(); len(got) != 1 {
		t.Fatalf("OnSettings heard %q, want only the connection's first settings", got)
	}
	_, err := New(Config{ID: "n1", Cluster: "c", Secret: []byte("12345678"), Settings: []byte(strings.Repeat("x", MaxSettings+1))})
	if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "Settings") {
		t.Fatalf("Settings of %d bytes: %v, want ErrBadConfig naming Settings", MaxSettings+1, err)
	}
}
