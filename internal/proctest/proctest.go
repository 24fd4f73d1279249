package proctest

import (
	"bytes"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Buffer is a bytes.Buffer that several writers (a child's output
// copiers, say) and the test may use at once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what has been written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Exits waits up to limit for process pid to exit, and reports whether it
// did (a pid that names no process has). It watches a pidfd, so it works
// for processes that are not the caller's children.
func Exits(pid int, limit time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return true // no such process
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(limit.Milliseconds()))
	return err == nil && n == 1
}
