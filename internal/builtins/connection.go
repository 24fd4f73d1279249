package builtins

// multiprocessing.Pipe and Connection (CPython: connection.py). send/recv
// carry codec payloads; send_bytes/recv_bytes carry raw bytes framed as
// CPython frames them, so they interoperate with CPython peers.

import (
	"encoding/binary"
	"fmt"
	"unsafe" // zero-copy views between immutable Starlark bytes and message buffers

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/conn"
)

// Connection is multiprocessing.connection.Connection.
type Connection struct {
	value.Object
	c    *conn.Conn
	wbuf []byte // reused encoding buffer for send
}

var (
	_ Shareable      = (*Connection)(nil)
	_ ContextManager = (*Connection)(nil)
)

// NewConnection wraps an engine connection for scripts.
func NewConnection(c *conn.Conn) *Connection { return &Connection{c: c} }

// Conn returns the engine's connection.
func (c *Connection) Conn() *conn.Conn { return c.c }

// NewPipe implements Pipe(duplex=True): (conn1, conn2); one-way pipes return (reader, writer).
func NewPipe(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	duplex := true
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "duplex?", &duplex); err != nil {
		return nil, err
	}
	a, c, err := conn.Pipe(duplex)
	if err != nil {
		return nil, ConnErr(err)
	}
	return starlark.Tuple{ownedConnection(a), ownedConnection(c)}, nil
}

// ownedConnection wraps a connection this process made for the script
// alone: dropped without close(), its descriptors are released, as
// CPython's Connection.__del__ does.
func ownedConnection(c *conn.Conn) *Connection {
	c.ReleaseWhenUnreachable()
	return NewConnection(c)
}

// Type implements starlark.Value.
func (c *Connection) Type() string { return "multiprocessing.connection.Connection" }

// Hash hashes by identity.
func (c *Connection) Hash() (uint32, error) { return value.IdentityHash(c), nil }

// String is a repr in CPython's shape.
func (c *Connection) String() string {
	return fmt.Sprintf("<multiprocessing.connection.Connection object at %p>", c)
}

var connectionMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"send":            starlark.NewBuiltin("send", connSend),
		"recv":            starlark.NewBuiltin("recv", Blocking(connRecv)),
		"poll":            starlark.NewBuiltin("poll", Blocking(connPoll)),
		"send_bytes":      starlark.NewBuiltin("send_bytes", connSendBytes),
		"recv_bytes":      starlark.NewBuiltin("recv_bytes", Blocking(connRecvBytes)),
		"recv_bytes_into": starlark.NewBuiltin("recv_bytes_into", Blocking(connRecvBytesInto)),
		"close":           starlark.NewBuiltin("close", connClose),
		"fileno":          starlark.NewBuiltin("fileno", connFileno),
	}
})

// Attr implements starlark.HasAttrs.
func (c *Connection) Attr(name string) (starlark.Value, error) {
	switch name {
	case "closed":
		return starlark.Bool(c.c.Closed()), nil
	case "readable":
		return starlark.Bool(c.c.Readable()), nil
	case "writable":
		return starlark.Bool(c.c.Writable()), nil
	}
	return value.Attr(connectionMethods, c, name)
}

// AttrNames implements starlark.HasAttrs.
func (c *Connection) AttrNames() []string {
	return value.AttrNames(connectionMethods, "closed", "readable", "writable")
}

// Enter implements ContextManager.
func (c *Connection) Enter(*starlark.Thread) error { return nil }

// Exit closes the connection, as CPython's __exit__.
func (c *Connection) Exit(*starlark.Thread, bool) error { return ConnErr(c.c.Close()) }

// ShareKind implements Shareable.
func (c *Connection) ShareKind() string { return "connection" }

// Share carries the connection's descriptor to a child. Bytes read ahead
// but not yet received would be lost, so such a connection is refused.
func (c *Connection) Share(sc *ShareContext) ([]byte, error) {
	if sc == nil || sc.FDs == nil {
		return nil, exceptions.RuntimeError.New("Connection objects should only be shared between processes through inheritance")
	}
	if c.c.Closed() {
		return nil, ConnErr(conn.ErrClosed)
	}
	if c.c.Buffered() > 0 {
		return nil, exceptions.OSError.Errorf("cannot pass a connection with %d bytes received but not yet read to another process", c.c.Buffered())
	}
	p := []byte{boolByte(c.c.Readable()), boolByte(c.c.Writable())}
	r, w, bulk := c.c.FDs()
	for _, fd := range []int{r, w, bulk} {
		idx := uint32(noFD)
		if fd >= 0 {
			idx = uint32(sc.FDs.Add(fd))
		}
		p = binary.BigEndian.AppendUint32(p, idx)
	}
	return p, nil
}

// noFD marks an absent descriptor in a connection handle.
const noFD = 0xFFFFFFFF

func decodeConnection(uc *UnshareContext, p []byte) (starlark.Value, error) {
	if len(p) != 14 {
		return nil, exceptions.OSError.New("bad connection handle")
	}
	var fds [3]int
	for i := range fds {
		idx := binary.BigEndian.Uint32(p[2+4*i:])
		switch {
		case idx == noFD:
			fds[i] = -1
		case int(idx) < len(uc.FDs):
			fds[i] = uc.FDs[idx]
		default:
			return nil, exceptions.OSError.Errorf("bad connection handle: descriptor %d of %d", idx, len(uc.FDs))
		}
	}
	var c *conn.Conn
	var err error
	if fds[2] >= 0 {
		c, err = conn.NewPipeConn(fds[0], fds[1], fds[2])
	} else {
		c, err = conn.NewConn(max(fds[0], fds[1]), p[0] == 1, p[1] == 1)
	}
	if err != nil {
		return nil, ConnErr(err)
	}
	return NewConnection(c), nil
}

func receiverConn(b *starlark.Builtin) *Connection { return b.Receiver().(*Connection) }

// def send(obj)
func connSend(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, fmt.Errorf("%s: want exactly one argument, obj", b.Name())
	}
	c := receiverConn(b)
	buf, err := RuntimeOf(thread).Encoder(nil).Append(c.wbuf[:0], "obj", args[0])
	if err != nil {
		return nil, encodeErr(b, err)
	}
	c.wbuf = buf
	return starlark.None, ConnErr(c.c.SendBytes(buf))
}

// def recv()
func connRecv(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	msg, err := receiverConn(b).c.RecvBytes(-1)
	if err != nil {
		return nil, ConnErr(err)
	}
	v, err := Decode(msg, RuntimeOf(thread).DecodeContext(thread, nil))
	return v, ConnErr(err)
}

// def poll(timeout=0.0): with no argument it does not block; None blocks.
func connPoll(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	timeout := value.Seconds(0)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "timeout?", &timeout); err != nil {
		return nil, err
	}
	ok, err := receiverConn(b).c.Poll(timeout.Duration())
	return starlark.Bool(ok), blocked(ok, ConnErr(err))
}

// def send_bytes(buf, offset=0, size=None)
func connSendBytes(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var buf, size starlark.Value = nil, starlark.None
	offset := 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "buf", &buf, "offset?", &offset, "size?", &size); err != nil {
		return nil, err
	}
	data, ok := sendableBytes(buf)
	if !ok {
		return nil, exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", pytypes.TypeName(buf))
	}
	n := len(data)
	switch {
	case offset < 0:
		return nil, exceptions.ValueError.New("offset is negative")
	case n < offset:
		return nil, exceptions.ValueError.New("buffer length < offset")
	}
	end := n
	if size != starlark.None {
		sz, err := starlark.AsInt32(size)
		if err != nil {
			return nil, exceptions.TypeError.Errorf("%s: size must be an int or None", b.Name())
		}
		switch {
		case sz < 0:
			return nil, exceptions.ValueError.New("size is negative")
		case offset+sz > n:
			return nil, exceptions.ValueError.New("buffer length < offset + size")
		}
		end = offset + sz
	}
	return starlark.None, ConnErr(receiverConn(b).c.SendBytes(data[offset:end]))
}

// sendableBytes returns the bytes of a bytes-like value without copying:
// a Starlark bytes value is immutable, and the connection only reads it.
func sendableBytes(v starlark.Value) ([]byte, bool) {
	if s, ok := v.(starlark.Bytes); ok {
		return unsafe.Slice(unsafe.StringData(string(s)), len(s)), true
	}
	return pytypes.BufferBytes(v)
}

// def recv_bytes(maxlength=None)
func connRecvBytes(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var maxlength starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "maxlength?", &maxlength); err != nil {
		return nil, err
	}
	limit := -1
	if maxlength != starlark.None {
		n, err := starlark.AsInt32(maxlength)
		if err != nil {
			return nil, exceptions.TypeError.Errorf("%s: maxlength must be an int or None", b.Name())
		}
		if n < 0 {
			return nil, exceptions.ValueError.New("negative maxlength")
		}
		limit = n
	}
	msg, err := receiverConn(b).c.RecvBytes(limit)
	if err != nil {
		return nil, ConnErr(err)
	}
	return starlark.Bytes(unsafe.String(unsafe.SliceData(msg), len(msg))), nil
}

// def recv_bytes_into(buf, offset=0): the message length.
func connRecvBytesInto(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var buf starlark.Value
	offset := 0
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "buf", &buf, "offset?", &offset); err != nil {
		return nil, err
	}
	wb, ok := buf.(pytypes.WritableBuffer)
	if !ok {
		return nil, exceptions.TypeError.Errorf("a writable bytes-like object is required, not '%s'", pytypes.TypeName(buf))
	}
	data, err := wb.WritableBytes()
	if err != nil {
		return nil, err
	}
	switch {
	case offset < 0:
		return nil, exceptions.ValueError.New("negative offset")
	case offset > len(data):
		return nil, exceptions.ValueError.New("offset too large")
	}
	n, err := receiverConn(b).c.RecvBytesInto(data[offset:])
	if err != nil {
		return nil, ConnErr(err)
	}
	return starlark.MakeInt(n), nil
}

func connClose(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, ConnErr(receiverConn(b).c.Close())
}

func connFileno(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	fd, err := receiverConn(b).c.Fileno()
	if err != nil {
		return nil, ConnErr(err)
	}
	return starlark.MakeInt(fd), nil
}
