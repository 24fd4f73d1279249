package queue

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// The benchmarks mirror the queue workloads of scripts/bench/WORKLOADS.md at
// the engine level: 9-byte items (about the size of an encoded small int),
// real processes, timed from the start gate.

func init() {
	// countconsume: get until an empty item, then print count and sum of seqs.
	childRoles["countconsume"] = func(h Handle, args []int) error {
		q, err := attachAny(h)
		if err != nil {
			return err
		}
		var count, sum uint64
		for {
			b, err := q.Get(true, 30*time.Second)
			if err != nil {
				return err
			}
			if len(b) == 0 {
				fmt.Printf("%d %d\n", count, sum)
				return nil
			}
			count, sum = count+1, sum+uint64(binary.LittleEndian.Uint32(b[4:]))
		}
	}
}

// openGate lets gated children start.
func openGate(b *testing.B, cs ...*child) {
	b.Helper()
	for _, c := range cs {
		if _, err := c.gate.Write([]byte{1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQueueThroughput(b *testing.B) {
	q, err := NewQueue(Options{})
	if err != nil {
		b.Fatal(err)
	}
	p := startChild(b, "produce", q.Handle(), withGate, 0, b.N, 9, exitFlush)
	b.ResetTimer()
	openGate(b, p)
	for i := range b.N {
		it, err := q.Get(true, 20*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if seq := binary.LittleEndian.Uint32(it[4:]); seq != uint32(i) {
			b.Fatalf("got %d, want %d", seq, i)
		}
	}
	b.StopTimer()
	p.wait(b)
}

func BenchmarkQueueMPMC(b *testing.B) {
	q, err := NewQueue(Options{})
	if err != nil {
		b.Fatal(err)
	}
	half := max(b.N/2, 1)
	var cs []*child
	for j := range 2 {
		cs = append(cs, startChild(b, "produce", q.Handle(), withGate, j, half, 9, exitFlush, 1))
	}
	for range 2 {
		cs = append(cs, startChild(b, "countconsume", q.Handle(), withGate))
	}
	b.ResetTimer()
	openGate(b, cs...)
	total := 0
	for _, c := range cs[2:] {
		var count, sum int
		out, _ := io.ReadAll(c.stdout)
		fmt.Sscan(string(out), &count, &sum)
		total += count
	}
	b.StopTimer()
	if total != 2*half {
		b.Fatalf("consumers got %d items, want %d", total, 2*half)
	}
}

func BenchmarkJoinableTaskDone(b *testing.B) {
	jq, err := NewJoinableQueue(Options{})
	if err != nil {
		b.Fatal(err)
	}
	c := startChild(b, "joinconsume", jq.Handle(), withGate)
	b.ResetTimer()
	openGate(b, c)
	for i := range b.N {
		jq.Put(item(0, uint32(i), 9), true, -1)
	}
	jq.Put(nil, true, -1)
	if !jq.Join(30 * time.Second) {
		b.Fatal("Join timed out")
	}
	b.StopTimer()
	out, _ := io.ReadAll(c.stdout)
	if !strings.HasSuffix(string(out), "too many times") {
		b.Fatalf("consumer says %q", out)
	}
}

func BenchmarkPutGetSameProcess(b *testing.B) {
	q, err := NewQueue(Options{Capacity: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	it := item(0, 0, 9)
	for b.Loop() {
		q.Put(it, true, -1)
		q.Get(true, -1)
	}
}
