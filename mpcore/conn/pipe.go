package conn

// Pipe, a connected pair of Conns. Mirrors Pipe in CPython's
// Lib/multiprocessing/connection.py (the POSIX branch).

import (
	"os"

	"golang.org/x/sys/unix"
)

// Pipe returns the two ends of a new connection. With duplex both ends send
// and receive (a socketpair(2)); without, a is the read end and b the write
// end of a pipe(2), as CPython's Pipe(False) returns (reader, writer). Both
// descriptors are close-on-exec; the frame limit is NoFrameLimit.
func Pipe(duplex bool) (a, b *Conn, err error) {
	if duplex {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, nil, os.NewSyscallError("socketpair", err)
		}
		return newConn(fds[0], true, true, NoFrameLimit), newConn(fds[1], true, true, NoFrameLimit), nil
	}
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	return newConn(fds[0], true, false, NoFrameLimit), newConn(fds[1], false, true, NoFrameLimit), nil
}
