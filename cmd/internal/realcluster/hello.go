package realcluster

import "encoding/binary"

// Hello is a handshake's first frame as a stranger writes it by hand (the format is
// in router/nettransport's package documentation): magic, version, type 1, length,
// then the cluster, the node id, the incarnation and a 32-byte nonce. Tests that play
// a stranger to a real node send it.
func Hello(version byte, cluster, id string) []byte {
	var body []byte
	for _, s := range []string{cluster, id} {
		body = binary.AppendUvarint(body, uint64(len(s)))
		body = append(body, s...)
	}
	body = binary.AppendUvarint(body, 1)
	body = append(body, make([]byte, 32)...)
	return append([]byte{0xE5, 0x7E, version, 1, 0, 0, byte(len(body) >> 8), byte(len(body))}, body...)
}
