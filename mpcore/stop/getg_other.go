//go:build !amd64 && !arm64

package stop

import (
	"bytes"
	"runtime"
	"strconv"
)

// getg identifies the calling goroutine by its id, read from the header
// of its stack trace ("goroutine 7 [running]:"). Other architectures read
// the runtime's record of the goroutine in assembly (getg.go); this is
// slower but needs none.
func getg() uintptr {
	var buf [64]byte
	b := bytes.TrimPrefix(buf[:runtime.Stack(buf[:], false)], []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return uintptr(id)
}
