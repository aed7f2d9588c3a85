// Package latency reports latency percentiles from Go benchmarks, for the
// claims the closing notes make ("an answer stored in under 1 ms median").
package latency

import (
	"slices"
	"testing"
	"time"
)

// Report adds the median and 99th percentile of the measured latencies to
// the benchmark's output, in microseconds.
func Report(b *testing.B, latencies []time.Duration) {
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100])/1e3, "p99-µs")
}
