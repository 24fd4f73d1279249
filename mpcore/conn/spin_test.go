package conn

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// A receive that is spinning when input comes takes it, on a pipe and on
// a socket, whether the kernel reads without waiting (RWF_NOWAIT) or the
// spin falls back to polling; the peer's close ends it with io.EOF.
func TestSpinningReceive(t *testing.T) {
	refused := noWaitRefused.Load()
	t.Cleanup(func() { noWaitRefused.Store(refused) })
	for _, polling := range []bool{false, true} {
		for _, duplex := range []bool{false, true} {
			noWaitRefused.Store(polling)
			b, a := mustPipe(t, duplex) // a one-way Pipe's reader comes first
			b.SetSpin(time.Hour)        // spins until the input comes
			within(t, 10*time.Second, func() {
				for _, n := range []int{1, coalesceLimit + 1, readBufSize + 7} {
					p := bytes.Repeat([]byte{'s'}, n)
					errc := sendAsync(a, p)
					if got, err := b.RecvBytes(-1); err != nil || !bytes.Equal(got, p) {
						t.Errorf("polling %v, duplex %v, size %d: got %d bytes, %v", polling, duplex, n, len(got), err)
					}
					<-errc
				}
				closed := make(chan struct{})
				go func() { a.Close(); close(closed) }()
				if _, err := b.RecvBytes(-1); err != io.EOF {
					t.Errorf("polling %v, duplex %v: after the peer closed: %v, want io.EOF", polling, duplex, err)
				}
				<-closed
			})
		}
	}
}
