//go:build race

package e2e

// raceEnabled is true when the tests run with -race, so the binary under
// test is built with the race detector too.
const raceEnabled = true
