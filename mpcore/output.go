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
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

// WriteString is Write for a string.
func (o *Output) WriteString(s string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return io.WriteString(o.w, s)
}

// maxPartialLine bounds what a relay holds of a line still without its
// newline: a child writing that much without one has it written as it is.
const maxPartialLine = 16 << 20

// lineRelay is one child's stream as its parent receives it (os/exec
// copies the child's pipe into it): complete lines go to out at once,
// written whole; the unfinished last line waits for its end.
type lineRelay struct {
	out     *Output
	partial []byte
}

// Write implements io.Writer for os/exec's copying goroutine, the relay's
// only writer.
func (l *lineRelay) Write(p []byte) (int, error) {
	n := len(p)
	end := bytes.LastIndexByte(p, '\n') + 1
	switch {
	case end == 0:
		l.partial = append(l.partial, p...)
		if len(l.partial) >= maxPartialLine {
			l.flush()
		}
		return n, nil
	case len(l.partial) == 0:
		l.out.Write(p[:end])
	default:
		l.partial = append(l.partial, p[:end]...)
		l.flush()
	}
	l.partial = append(l.partial, p[end:]...)
	return n, nil
}

// flush writes the held bytes: the last line of a stream that ended
// without a newline, or an overlong one.
func (l *lineRelay) flush() {
	if len(l.partial) > 0 {
		l.out.Write(l.partial)
	}
	if cap(l.partial) > 64<<10 {
		l.partial = nil // don't keep a long line's buffer for the child's life
	} else {
		l.partial = l.partial[:0]
	}
}
