package pool

// The messages between a pool and its workers, and the worker's loop
// (CPython: pool.py's task tuples, its None sentinel and worker()).
//
// Every message is one frame on the worker's connection and starts with a
// two-byte header, ProtocolVersion and a kind:
//
//	parent -> worker  't' task      the rest is the caller's task payload
//	parent -> worker  'b' batch     the rest is tasks' payloads, each a
//	                                uvarint length and the payload: run
//	                                them in order
//	parent -> worker  's' stop      exit after the task in hand (none)
//	worker -> parent  'r' ready     the initializer succeeded
//	worker -> parent  'i' initfail  the rest is the caller's encoding of
//	                                the initializer's error
//	worker -> parent  'q' part      the rest is a part of the reply to the
//	                                task in hand; more follows
//	worker -> parent  'p' reply     the rest is the (last part of the) reply
//	                                to the task in hand (a batch's last)
//	worker -> parent  'n' next      the rest is the (last part of the) reply
//	                                to a task of a batch; the next follows
//
// A worker holds one task, or one batch, at a time: the pool sends more
// only after the reply to the last, so replies need no task id and a
// worker that dies was running exactly one task. Parts let a long task's
// reply be decoded by the pool while the worker still computes the rest.

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// ProtocolVersion is the first byte of every message; a peer of another
// version is refused instead of misread.
const ProtocolVersion byte = 1

// HeaderLen is the length of the header every message starts with.
const HeaderLen = 2

// The message kinds.
const (
	msgTask       byte = 't'
	msgBatch      byte = 'b'
	msgNext       byte = 'n'
	msgStop       byte = 's'
	msgReady      byte = 'r'
	msgInitFailed byte = 'i'
	msgReply      byte = 'p'
	msgPart       byte = 'q'
)

// AppendTaskHeader appends the header of a task message to dst; the caller
// appends the task's payload after it and puts the whole in Task.Message.
func AppendTaskHeader(dst []byte) []byte { return append(dst, ProtocolVersion, msgTask) }

// appendBatch appends a batch message of tasks to dst.
func appendBatch(dst []byte, tasks []*Task) []byte {
	size := HeaderLen
	for _, t := range tasks {
		size += binary.MaxVarintLen64 + len(t.Message)
	}
	dst = append(slices.Grow(dst, size), ProtocolVersion, msgBatch)
	for _, t := range tasks {
		payload := t.Message[HeaderLen:]
		dst = append(binary.AppendUvarint(dst, uint64(len(payload))), payload...)
	}
	return dst
}

// appendReplyHeader appends the header of a reply message to dst.
func appendReplyHeader(dst []byte) []byte { return append(dst, ProtocolVersion, msgReply) }

var (
	stopMessage  = []byte{ProtocolVersion, msgStop}
	readyMessage = []byte{ProtocolVersion, msgReady}
)

// ProtocolError reports a message that is not one of the pool's: another
// version, an unknown kind, or a kind that does not belong where it came.
type ProtocolError struct {
	Header []byte // the first bytes of the message
	Reason string
}

// Error implements the error interface.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("bad pool message % x: %s", e.Header, e.Reason)
}

// parse splits a message into its kind and payload.
func parse(msg []byte) (kind byte, payload []byte, err error) {
	if len(msg) < HeaderLen {
		return 0, nil, &ProtocolError{Header: msg, Reason: "shorter than a header"}
	}
	if msg[0] != ProtocolVersion {
		return 0, nil, &ProtocolError{Header: msg[:HeaderLen], Reason: fmt.Sprintf("protocol version %d, want %d: parent and worker are different mpstar builds", msg[0], ProtocolVersion)}
	}
	return msg[1], msg[HeaderLen:], nil
}

// RunFunc runs one task in a worker: it appends the reply for task to dst
// and returns it, having sent any parts of it ahead with parts. An error
// ends the worker's loop (Serve returns it), so the pool reports the task
// lost with the worker; a task's own failure is a reply, not an error.
type RunFunc func(dst, task []byte, parts *PartSender) ([]byte, error)

// PartSender sends parts of a task's reply ahead of its end; the pool
// hands them to Task.Part in order.
type PartSender struct {
	c   *conn.Conn
	buf []byte
}

// Begin returns a buffer holding a part's header, for the part to be
// appended to and passed to Send. It reuses the last part's buffer.
func (s *PartSender) Begin() []byte { return append(s.buf[:0], ProtocolVersion, msgPart) }

// Send sends a part made from Begin's buffer.
func (s *PartSender) Send(msg []byte) error {
	s.buf = msg
	return s.c.SendBytes(msg)
}

// Serve is a worker's loop on its connection c, after its initializer
// succeeded: it tells the pool it is ready, then runs each task it
// receives with run and sends the reply, until the pool tells it to stop,
// the pool's end closes, or it has run maxTasks tasks (maxTasks <= 0: no
// limit; CPython's maxtasksperchild).
func Serve(c *conn.Conn, maxTasks int, run RunFunc) error {
	// A worker waits for tasks, often long: polling for them would take
	// the CPU the pool's parent needs to hand them out.
	c.SetSpin(0)
	if err := c.SendBytes(readyMessage); err != nil {
		return err
	}
	var buf []byte
	parts := &PartSender{c: c}
	for n := 0; maxTasks <= 0 || n < maxTasks; n++ {
		msg, err := c.RecvBytes(-1)
		if err == io.EOF {
			return nil // the pool is gone
		}
		if err != nil {
			return err
		}
		kind, task, err := parse(msg)
		switch {
		case err != nil:
			return err
		case kind == msgStop:
			return nil
		case kind == msgTask:
			buf, err = run(appendReplyHeader(buf[:0]), task, parts)
		case kind == msgBatch:
			buf, err = runBatch(c, buf, task, parts, run)
		default:
			return &ProtocolError{Header: msg[:HeaderLen], Reason: "a worker expects a task, batch or stop message"}
		}
		if err != nil {
			return err
		}
		if err := c.SendBytes(buf); err != nil {
			return err
		}
	}
	return nil
}

// runBatch runs the tasks of a batch in order, sending the reply to each
// but the last, which it returns for Serve to send.
func runBatch(c *conn.Conn, buf, batch []byte, parts *PartSender, run RunFunc) ([]byte, error) {
	for len(batch) > 0 {
		n, k := binary.Uvarint(batch)
		if k <= 0 || n > uint64(len(batch)-k) {
			return nil, &ProtocolError{Header: []byte{ProtocolVersion, msgBatch}, Reason: "a malformed batch"}
		}
		task := batch[k : k+int(n)]
		batch = batch[k+int(n):]
		var err error
		if len(batch) == 0 {
			return run(appendReplyHeader(buf[:0]), task, parts)
		}
		if buf, err = run(append(buf[:0], ProtocolVersion, msgNext), task, parts); err != nil {
			return nil, err
		}
		if err := c.SendBytes(buf); err != nil {
			return nil, err
		}
	}
	return nil, &ProtocolError{Header: []byte{ProtocolVersion, msgBatch}, Reason: "an empty batch"}
}

// ReportInitFailure tells the pool that the worker's initializer failed;
// payload is the caller's encoding of the error, which the pool hands
// back in an *InitError. The worker should then exit.
func ReportInitFailure(c *conn.Conn, payload []byte) error {
	msg := make([]byte, 0, HeaderLen+len(payload))
	return c.SendBytes(append(append(msg, ProtocolVersion, msgInitFailed), payload...))
}
