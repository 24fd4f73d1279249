package mpcore

// Sending bytes with descriptors over a Unix socket (SCM_RIGHTS), as
// CPython's reduction.sendfds/recvfds do for forkserver. Every launch uses
// it: the parent hands the child its preparation data and the descriptors
// its arguments hold over the bootstrap socket.

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxFDsPerMsg stays under the kernel's SCM_MAX_FD (253).
const maxFDsPerMsg = 250

// sendWithFDs writes data to sock with fds attached, spreading them over
// as many sendmsg calls as the kernel's per-message limit needs.
func sendWithFDs(sock int, data []byte, fds []int) error {
	pieces := max(1, (len(fds)+maxFDsPerMsg-1)/maxFDsPerMsg)
	if len(data) < pieces {
		return fmt.Errorf("cannot pass %d descriptors with %d bytes", len(fds), len(data))
	}
	size := (len(data) + pieces - 1) / pieces
	for len(data) > 0 {
		piece := data[:min(size, len(data))]
		var oob []byte
		if n := min(len(fds), maxFDsPerMsg); n > 0 {
			oob = unix.UnixRights(fds[:n]...)
			fds = fds[n:]
		}
		for len(piece) > 0 {
			n, err := unix.SendmsgN(sock, piece, oob, nil, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return os.NewSyscallError("sendmsg", err)
			}
			piece, data, oob = piece[n:], data[n:], nil
		}
	}
	return nil
}

// recvWithFDs reads exactly len(buf) bytes from sock into buf, and returns
// the descriptors that came with them (close-on-exec).
func recvWithFDs(sock int, buf []byte) ([]int, error) {
	var fds []int
	oob := make([]byte, unix.CmsgSpace(maxFDsPerMsg*4))
	for got := 0; got < len(buf); {
		n, oobn, _, _, err := unix.Recvmsg(sock, buf[got:], oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fds, os.NewSyscallError("recvmsg", err)
		}
		if n == 0 && got == 0 {
			return fds, io.EOF
		}
		if n == 0 {
			return fds, fmt.Errorf("the parent closed the bootstrap socket after %d of %d bytes", got, len(buf))
		}
		got += n
		more, err := parseRights(oob[:oobn])
		fds = append(fds, more...)
		if err != nil {
			return fds, err
		}
	}
	return fds, nil
}

func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("bad control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		rights, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return fds, fmt.Errorf("bad control message: %w", err)
		}
		fds = append(fds, rights...)
	}
	return fds, nil
}
