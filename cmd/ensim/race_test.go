//go:build race

package main

// raceEnabled is true when the tests run under the race detector (-race).
const raceEnabled = true
