//go:build race

package netmodel

// raceEnabled is true when the tests run under the race detector (-race).
const raceEnabled = true
