package conn

// Pipe, a connected pair of Conns. Mirrors Pipe in CPython's
// Lib/multiprocessing/connection.py (the POSIX branch).

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/fdgc"
)

// Pipe returns the two ends of a new connection. With duplex both ends send
// and receive; without, a is the read end and b the write end, as CPython's
// Pipe(False) returns (reader, writer). All descriptors are close-on-exec;
// the frame limit is NoFrameLimit.
//
// CPython makes a duplex Pipe from one socketpair(2). We carry messages on
// pipes, one per direction, because a small write to a pipe costs about
// half what it costs on a Unix socket, and that is most of a round trip.
// Large messages (bulkThreshold and up) are faster on a socket, so each
// Pipe also has a socketpair: the sender writes a marker frame on its pipe
// and the message, framed as usual, on the socket, and the receiver, meeting
// the marker, reads the next frame from the socket. Order is kept because
// the receiver reads the socket only when the pipe tells it to. End of file
// and broken pipes behave as on one socket.
//
// Out of descriptors, Pipe lets the garbage collector close those of
// unreachable Conns (see ReleaseWhenUnreachable) and tries again.
func Pipe(duplex bool) (a, b *Conn, err error) {
	a, b, err = pipe(duplex)
	if errors.Is(err, unix.EMFILE) {
		fdgc.Reclaim()
		a, b, err = pipe(duplex)
	}
	return a, b, err
}

func pipe(duplex bool) (a, b *Conn, err error) {
	var fds []int
	fail := func(err error) (*Conn, *Conn, error) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, nil, err
	}
	ab, err := newPipe()
	if err != nil {
		return fail(err)
	}
	fds = append(fds, ab[:]...)
	bulk, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail(os.NewSyscallError("socketpair", err))
	}
	fds = append(fds, bulk[:]...)
	if !duplex {
		a, _ = NewPipeConn(ab[0], -1, bulk[0])
		b, _ = NewPipeConn(-1, ab[1], bulk[1])
		return a, b, nil
	}
	ba, err := newPipe()
	if err != nil {
		return fail(err)
	}
	a, _ = NewPipeConn(ba[0], ab[1], bulk[0])
	b, _ = NewPipeConn(ab[0], ba[1], bulk[1])
	return a, b, nil
}

// pipeSize is the capacity asked of each pipe: large messages (1 MiB
// payloads) then move in few system calls. The kernel may grant less.
const pipeSize = 1 << 20

func newPipe() ([2]int, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return fds, os.NewSyscallError("pipe2", err)
	}
	unix.FcntlInt(uintptr(fds[1]), unix.F_SETPIPE_SZ, pipeSize)
	return fds, nil
}
