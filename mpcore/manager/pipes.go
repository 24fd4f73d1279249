package manager

// Pipes for local connections. A write to a pipe and the wake-up of its
// reader cost about half what they cost on a Unix socket (a 20-byte round
// trip between two processes: ~5 µs on pipes, ~10 µs on a socket), and
// that is most of a manager call. So a client on the same machine, once
// authenticated on the listener's AF_UNIX socket, asks for pipes in its
// OpHello; the server answers with the client's ends of two pipes, passed
// with SCM_RIGHTS, and both sides go on over the pipes, keeping the socket
// as the channel for large messages (as mpcore/conn's Pipe does).

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// helloPipes is the OpHello name by which a client asks for pipes; the
// server then replies to the hello (a hello without it gets no reply).
const helloPipes = "pipes"

// pipesReply is the whole frame that answers a pipes hello: its
// SCM_RIGHTS message carries the client's ends (request write end, reply
// read end).
var pipesReply = append(conn.AppendHeader(nil, 2), Version, byte(KindReturn))

// offerPipes makes the pipes of a connection whose client asked for them,
// sends the client its ends, and returns the server's Conn over the pipes
// (the socket carries large messages). c is closed.
func offerPipes(c *conn.Conn) (*conn.Conn, error) {
	fd, err := c.Fileno()
	if err != nil {
		return nil, err
	}
	var req, rep [2]int
	if err := unix.Pipe2(req[:], unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.Pipe2(rep[:], unix.O_CLOEXEC); err != nil {
		closeAll(req[:]...)
		return nil, os.NewSyscallError("pipe2", err)
	}
	bulk, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		closeAll(req[0], req[1], rep[0], rep[1])
		return nil, os.NewSyscallError("fcntl", err)
	}
	err = unix.Sendmsg(fd, pipesReply, unix.UnixRights(req[1], rep[0]), nil, 0)
	closeAll(req[1], rep[0])
	c.Close()
	if err != nil {
		closeAll(req[0], rep[1], bulk)
		return nil, os.NewSyscallError("sendmsg", err)
	}
	return conn.NewPipeConn(req[0], rep[1], bulk)
}

// acceptPipes receives the reply to a pipes hello with the client's ends
// of the pipes, and returns the client's Conn over them. c, whose buffer
// is empty (the server sends nothing before this reply), is closed.
func acceptPipes(c *conn.Conn) (*conn.Conn, error) {
	fd, err := c.Fileno()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	buf := make([]byte, len(pipesReply))
	oob := make([]byte, unix.CmsgSpace(2*4))
	n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("recvmsg", err)
	}
	fds, err := receivedFDs(oob[:oobn])
	if err != nil {
		return nil, err
	}
	if len(fds) != 2 {
		closeAll(fds...)
		return nil, &ProtocolError{fmt.Sprintf("the server sent %d descriptors for pipes, want 2", len(fds))}
	}
	for n < len(buf) { // the fds came with the first byte; the rest follows
		m, err := unix.Read(fd, buf[n:])
		if err != nil || m == 0 {
			closeAll(fds...)
			return nil, &ProtocolError{"truncated reply to the pipes hello"}
		}
		n += m
	}
	if string(buf) != string(pipesReply) {
		closeAll(fds...)
		return nil, &ProtocolError{"unexpected reply to the pipes hello"}
	}
	bulk, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		closeAll(fds...)
		return nil, os.NewSyscallError("fcntl", err)
	}
	return conn.NewPipeConn(fds[1], fds[0], bulk)
}

// receivedFDs returns the descriptors of an SCM_RIGHTS control message.
func receivedFDs(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			closeAll(fds...)
			return nil, err
		}
		fds = append(fds, got...)
	}
	if len(fds) == 0 {
		return nil, errors.New("no descriptors came with the reply to the pipes hello")
	}
	return fds, nil
}

func closeAll(fds ...int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
