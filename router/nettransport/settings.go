package nettransport

import "bytes"

// MaxSettings bounds Config.Settings: a ping carries them, and the smallest frame
// limit a node may have (MinMaxFrame) must hold them.
const MaxSettings = MinMaxFrame - 1

// sendSettings queues the node's Config.Settings on c, a new connection, before its
// handshake: the writer, which starts once the connection is up, sends them before any
// message.
func (c *conn) sendSettings() {
	s := c.t.cfg.Settings
	if len(s) == 0 {
		return
	}
	c.mu.Lock()
	if c.isClosed {
		c.mu.Unlock()
		return
	}
	c.out = appendHeader(c.out, typePing, 1+len(s))
	c.out = append(append(c.out, ctlSettings), s...)
	wake := c.signal()
	c.mu.Unlock()
	c.wakeWriter(wake)
}

// settings hands the other node's settings to Config.OnSettings, the first time it
// sends them on c: a node sends them once, and more is ignored rather than let a peer
// make this node act (and log) at every frame. Only c's reader calls it.
func (c *conn) settings(s []byte) {
	if c.heardSettings {
		return
	}
	c.heardSettings = true
	if f := c.t.cfg.OnSettings; f != nil {
		f(c.p.id, c.inc, bytes.Clone(s)) // the reader reuses its buffer
	}
}
