package mpcore

// Output that cannot be lost or torn. Every process of a run writes its
// own lines and relays its children's through one Output per destination:
// a child's stdout and stderr are pipes its parent reads, and the parent
// writes what arrives a whole line at a time, under the same lock as its
// own writes. So a destination that is not safe for concurrent use (a
// bytes.Buffer) is written by one goroutine at a time, and a line longer
// than a pipe's atomic write (PIPE_BUF, 4 KiB) from one process never
// interleaves with another's. CPython gives neither guarantee: its
// children write to the inherited descriptors directly.

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Output serialises the writes to one destination. Its methods are safe
// for concurrent use.
type Output struct {
	mu sync.Mutex
	w  io.Writer
}

// std holds the Outputs of the process's own stdout and stderr, by file:
// every run in the process that writes to them shares one. (They are
// looked up at each use: a test harness may replace os.Stdout.)
var std = struct {
	sync.Mutex
	outputs map[*os.File]*Output
}{outputs: map[*os.File]*Output{}}

// OutputOf returns the Output that writes to w: the process's shared one
// for os.Stdout and os.Stderr (and for nil, which means os.Stdout), a new
// one for any other writer.
func OutputOf(w io.Writer) *Output {
	if w == nil {
		w = os.Stdout
	}
	f, ok := w.(*os.File)
	if !ok || (f != os.Stdout && f != os.Stderr) {
		return &Output{w: w}
	}
	std.Lock()
	defer std.Unlock()
	o := std.outputs[f]
	if o == nil {
		o = &Output{w: f}
		std.outputs[f] = o
	}
	return o
}

// Dest returns the destination written to.
func (o *Output) Dest() io.Writer { return o.w }

// Write writes p to the destination in one call, so that nothing else
// written through o comes between its bytes. Write errors are the
// destination's business: output that cannot be written is dropped, as a
// closed stdout drops Python's.
//
// Whatever this process's children have already written goes out first
// (see drainRelays), so a line a child printed before an event the
// caller's output follows from comes before that output.
func (o *Output) Write(p []byte) (int, error) {
	drainRelays()
	return o.write(p)
}

// WriteString is Write for a string.
func (o *Output) WriteString(s string) (int, error) {
	drainRelays()
	o.mu.Lock()
	defer o.mu.Unlock()
	return io.WriteString(o.w, s)
}

// write is Write without draining the relays, for the relays themselves.
func (o *Output) write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

// maxPartialLine bounds what a relay holds of a line still without its
// newline: a child writing that much without one has it written as it is.
const maxPartialLine = 16 << 20

// lineRelay is one child's stream as its parent receives it: the read end
// of the pipe the child writes to. Complete lines go to out at once,
// written whole; the unfinished last line waits for its end.
//
// The relay's goroutine reads whenever the pipe becomes readable, but that
// alone cannot keep CPython's order: a child that prints and then replies
// (a manager call, a queue put, an event set) may have its reply acted on
// before the goroutine has run. So every write this process makes of its
// own first drains every live relay (drainRelays), under the lock the
// goroutine reads under: what a child wrote before the parent's write is
// out before it, as when CPython's children share their parent's stdout.
type lineRelay struct {
	out     *Output
	r       *os.File // the pipe's read end (non-blocking)
	rc      syscall.RawConn
	done    chan struct{} // closed once the stream has ended and been flushed
	mu      sync.Mutex    // held while reading and writing what was read
	ended   bool
	buf     []byte
	partial []byte
}

// relays holds this process's live relays, which drainRelays drains.
var relays = struct {
	sync.Mutex
	live map[*lineRelay]struct{}
}{live: map[*lineRelay]struct{}{}}

// newLineRelay returns a relay of a new pipe to out, and the pipe's write
// end for the child (which the caller closes once the child has it).
func newLineRelay(out *Output) (*lineRelay, *os.File, error) {
	r, w, err := relayPipe()
	if err != nil {
		return nil, nil, err
	}
	rc, err := r.SyscallConn()
	if err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	l := &lineRelay{out: out, r: r, rc: rc, done: make(chan struct{})}
	relays.Lock()
	relays.live[l] = struct{}{}
	relays.Unlock()
	return l, w, nil
}

// relayPipe returns a new pipe whose read end is on Go's poller. The write
// end, the child's, stays blocking and off the poller: os.Pipe would put
// both ends there and exec.Cmd would take the child's off again, four
// system calls of every process start for nothing.
func relayPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

// run relays the stream until it ends (every copy of the write end is
// closed), then writes what is left and forgets the relay.
func (l *lineRelay) run() {
	l.rc.Read(func(fd uintptr) bool { return l.drain(int(fd)) })
	l.mu.Lock()
	l.ended = true
	l.flush()
	l.mu.Unlock()
	relays.Lock()
	delete(relays.live, l)
	relays.Unlock()
	l.r.Close()
	close(l.done)
}

// drain relays what the pipe holds now, without waiting for more, and
// reports whether the stream has ended.
func (l *lineRelay) drain(fd int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return true
	}
	if l.buf == nil {
		l.buf = make([]byte, 16<<10)
	}
	for {
		n, err := unix.Read(fd, l.buf)
		switch {
		case n > 0:
			l.relay(l.buf[:n])
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			return false
		default: // end of file, or a pipe that cannot be read any more
			return true
		}
	}
}

// drainRelays relays what every live child of this process has written so
// far. It costs one lock when there are none.
func drainRelays() {
	relays.Lock()
	if len(relays.live) == 0 {
		relays.Unlock()
		return
	}
	live := make([]*lineRelay, 0, len(relays.live))
	for l := range relays.live {
		live = append(live, l)
	}
	relays.Unlock()
	for _, l := range live {
		l.drainNow()
	}
}

// drainNow relays what the pipe holds now. A relay closed meanwhile was
// drained to its end by its goroutine.
func (l *lineRelay) drainNow() {
	l.rc.Control(func(fd uintptr) { l.drain(int(fd)) })
}

// relay writes the complete lines of p and holds the rest. l.mu is held.
func (l *lineRelay) relay(p []byte) {
	end := bytes.LastIndexByte(p, '\n') + 1
	switch {
	case end == 0:
		l.partial = append(l.partial, p...)
		if len(l.partial) >= maxPartialLine {
			l.flush()
		}
		return
	case len(l.partial) == 0:
		l.out.write(p[:end])
	default:
		l.partial = append(l.partial, p[:end]...)
		l.flush()
	}
	l.partial = append(l.partial, p[end:]...)
}

// flush writes the held bytes: the last line of a stream that ended
// without a newline, or an overlong one. l.mu is held.
func (l *lineRelay) flush() {
	if len(l.partial) > 0 {
		l.out.write(l.partial)
	}
	if cap(l.partial) > 64<<10 {
		l.partial = nil // don't keep a long line's buffer for the child's life
	} else {
		l.partial = l.partial[:0]
	}
}
