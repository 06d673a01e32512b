//go:build race

package host

// raceDetector: the race detector keeps shadow memory for the Go heap that
// it never returns, so a test cannot read the heap's memory from RSS.
const raceDetector = true
