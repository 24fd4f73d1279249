package interp_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/mpstar/mpstar/interp"
)

// BenchmarkCancelLatency measures how long a run takes to return once its
// context is cancelled while the script is blocked: in q.get() alone, and
// in q.get() with a child process (blocked too) that must be ended before
// the run returns. It reports the median and the 99th percentile.
//
//	go test -run '^$' -bench CancelLatency ./interp
func BenchmarkCancelLatency(b *testing.B) {
	for name, body := range map[string]string{
		"get":            `q = Queue(); print("ready"); q.get()`,
		"get_with_child": `p = Process(target=wait_forever); p.start(); q = Queue(); print("ready"); q.get()`,
	} {
		b.Run(name, func(b *testing.B) {
			src := blockingPrelude + indent(body)
			var took []time.Duration
			for b.Loop() {
				out := &readyWriter{ready: make(chan struct{})}
				opts := testOptions
				opts.Stdout, opts.Stderr = out, io.Discard
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- interp.RunStringContext(ctx, "blocked.star", src, opts) }()
				<-out.ready
				start := time.Now()
				cancel()
				<-done
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(0, "ns/op")
		})
	}
}
