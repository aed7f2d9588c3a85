//go:build race

package export_test

// raceDetector says the tests run with -race, which slows the exports
// several times and changes what they allocate.
const raceDetector = true
