package conn

import (
	"fmt"
	"testing"
)

// Round trip of a small message (the pipe_pingpong_small workload).
func BenchmarkPipePingPong(b *testing.B) {
	msg := []byte("ping-pong small!")
	b.Run("process", func(b *testing.B) {
		c := startEcho(b)
		pingPong(b, c, msg)
	})
	b.Run("goroutine", func(b *testing.B) {
		c, peer, err := Pipe(true)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer peer.Close()
			for {
				m, err := peer.RecvBytes(-1)
				if err != nil || peer.SendBytes(m) != nil {
					return
				}
			}
		}()
		pingPong(b, c, msg)
		c.Close()
		<-done
	})
}

func pingPong(b *testing.B, c *Conn, msg []byte) {
	for range 100 { // warm up, as the workload does
		c.SendBytes(msg)
		c.RecvBytes(-1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := c.SendBytes(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.RecvBytes(-1); err != nil {
			b.Fatal(err)
		}
	}
}

// Streaming of 1 MiB messages from another process (pipe_bytes_1mib), and
// of small messages (pipe_stream_small).
func BenchmarkPipeStream(b *testing.B) {
	for _, size := range []int{1 << 20, 16} {
		b.Run(fmt.Sprintf("process/%dB", size), func(b *testing.B) {
			c := startChild(b, "stream")
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			if err := c.SendBytes(fmt.Appendf(nil, "%d %d", b.N, size)); err != nil {
				b.Fatal(err)
			}
			for range b.N {
				if _, err := c.RecvBytes(-1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
