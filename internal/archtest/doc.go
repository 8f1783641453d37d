// Package archtest holds the module's architecture tests: the determinism bans on the
// simulated paths (no wall clock, no global math/rand, no goroutines, channels, select
// or locks) and the import rules (router and sim import no other package of
// the module). It has no code of its own; see arch_test.go.
package archtest
