package conn

// Waiting for input on several descriptors. Mirrors connection.wait in
// CPython's Lib/multiprocessing/connection.py (which uses poll(2) too).

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// Wait blocks until at least one of fds is ready to read (input, end of
// file or an error condition) or timeout passes (timeout < 0: no limit; 0:
// don't wait), and returns the ready descriptors in the order given.
//
// poll(2) cannot see bytes a Conn has already read ahead: callers waiting on
// Conns should first collect those with Buffered() > 0 and, if there are
// any, call Wait with timeout 0 for the rest.
func Wait(fds []int, timeout time.Duration) ([]int, error) {
	pfds := make([]unix.PollFd, len(fds))
	for i, fd := range fds {
		pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	}
	n, err := stop.Poll(pfds, timeout)
	if err != nil || n == 0 {
		return nil, err
	}
	ready := make([]int, 0, n)
	for i, p := range pfds {
		if p.Revents&unix.POLLNVAL != 0 {
			return nil, fmt.Errorf("wait: file descriptor %d is not open: %w", fds[i], unix.EBADF)
		}
		if p.Revents != 0 {
			ready = append(ready, fds[i])
		}
	}
	return ready, nil
}
