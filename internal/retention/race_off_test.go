//go:build !race

package retention_test

// raceDetector says the tests run with -race, which slows a retention run
// several times and changes what it allocates.
const raceDetector = false
