// Package samestr compares strings that mostly share their bytes.
//
// The simulator's names (of nodes, ensembles, peers) are nearly always the
// spec's own strings passed around, so two equal names usually start at the same
// address. With ==, every comparison of two strings of the same length calls the
// runtime's memequal, and its caller first saves every register it has live;
// these compare the lengths and addresses inline and call only when they must.
package samestr

import "unsafe"

// Equal reports whether a == b: by their lengths and addresses, inline, and byte
// by byte only for strings of the same length stored apart.
func Equal(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// Shared reports whether a and b are the same bytes in memory, which makes them
// equal; equal strings stored apart are not shared. It never calls.
func Shared(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}
