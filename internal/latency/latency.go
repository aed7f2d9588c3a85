// Package latency measures operations in Go benchmarks and reports their
// latency percentiles, for the claims the closing notes make ("an answer
// stored in under 1 ms median").
package latency

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Measure runs op(0) … op(b.N-1) one after another, timing each, and
// reports the median and 99th percentile beside the benchmark's figures.
func Measure(b *testing.B, op func(i int) error) {
	latencies := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	report(b, latencies)
}

// MeasureParallel is Measure with op run from 8 goroutines per CPU at once,
// each i used once.
func MeasureParallel(b *testing.B, op func(i int) error) {
	var next atomic.Int64
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := int(next.Add(1)) - 1
			start := time.Now()
			if err := op(i); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	report(b, latencies)
}

// report adds the median and 99th percentile of the latencies to the
// benchmark's output, in microseconds.
func report(b *testing.B, latencies []time.Duration) {
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100])/1e3, "p99-µs")
}
