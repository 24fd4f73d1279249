package file

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"unicode/utf8"
	"unsafe" // the value takes the read buffer as its string without a copy

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// File is a file object: what open() returns, and sys.stdin.
type File struct {
	name     string
	mode     string // as given to open
	f        stream
	r        *bufio.Reader // made on first buffered read
	codec    *codec        // nil in binary mode
	newline  *string       // open's newline; nil is None
	readable bool
	writable bool
	closed   bool
	serial   uint64 // identity hash
	sizeHint int64  // the size of a regular file when it was opened, else 0
}

var serials atomic.Uint64

// newFile returns a file object reading or writing f under the given name;
// codec nil makes a binary file.
func newFile(f stream, name, mode string, c *codec, newline *string, readable, writable bool) *File {
	return &File{name: name, mode: mode, f: f, codec: c, newline: newline,
		readable: readable, writable: writable, serial: serials.Add(1)}
}

// Stdin returns a text file object reading the process's standard input,
// as sys.stdin.
func Stdin() *File { return newFile(os.Stdin, "<stdin>", "r", codecs["utf-8"], nil, true, false) }

var (
	_ starlark.HasAttrs = (*File)(nil)
	_ starlark.Iterable = (*File)(nil)
)

// String is the file's repr, as CPython shows it.
func (f *File) String() string {
	if f.codec != nil {
		return fmt.Sprintf("<_io.TextIOWrapper name=%s mode=%s encoding=%s>", pyrepr.Repr(starlark.String(f.name)), pyrepr.Repr(starlark.String(f.mode)), pyrepr.Repr(starlark.String(f.codec.name)))
	}
	return fmt.Sprintf("<%s name=%s>", f.Type(), pyrepr.Repr(starlark.String(f.name)))
}

// Type is the file's Python class: text files are TextIOWrappers, binary
// ones buffered readers, writers or both.
func (f *File) Type() string {
	switch {
	case f.codec != nil:
		return "_io.TextIOWrapper"
	case f.readable && f.writable:
		return "_io.BufferedRandom"
	case f.writable:
		return "_io.BufferedWriter"
	}
	return "_io.BufferedReader"
}

// Freeze is a no-op: a file stays usable in frozen globals.
func (f *File) Freeze() {}

// Truth is always true.
func (f *File) Truth() starlark.Bool { return true }

// Hash hashes by identity, as Python's file objects do.
func (f *File) Hash() (uint32, error) { return uint32(f.serial), nil }

// Enter is with_'s __enter__: nothing to do.
func (f *File) Enter(*starlark.Thread) error { return nil }

// Exit is with_'s __exit__: the file is closed.
func (f *File) Exit(*starlark.Thread, bool) error { return f.close() }

// Iterate yields the file's lines, as readline returns them. Starlark
// iterators cannot fail: a read error ends the loop, and the next
// readline() reports it.
func (f *File) Iterate() starlark.Iterator { return &lineIterator{f: f} }

type lineIterator struct{ f *File }

func (it *lineIterator) Next(p *starlark.Value) bool {
	line, err := it.f.readline(-1)
	if err != nil || len(line) == 0 {
		return false
	}
	*p = it.f.value(line)
	return true
}

func (it *lineIterator) Done() {}

// value is data read from the file as the script sees it: str in text mode
// (already decoded), bytes in binary mode. The buffers read into are never
// touched again, so the value takes them without a copy (read() of a large
// file would otherwise copy it once more).
func (f *File) value(data []byte) starlark.Value {
	s := unsafe.String(unsafe.SliceData(data), len(data))
	if f.codec != nil {
		return starlark.String(s)
	}
	return starlark.Bytes(s)
}

// check fails unless the file is open and supports the operation.
func (f *File) check(ok bool, what string) error {
	if f.closed {
		return exceptions.ValueError.New("I/O operation on closed file.")
	}
	if !ok {
		return exceptions.UnsupportedOperation.New(what)
	}
	return nil
}

// reader is the buffered reader, made on first use so that a file read
// whole with read() never allocates one.
func (f *File) reader() *bufio.Reader {
	if f.r == nil {
		f.r = bufio.NewReader(f.f)
	}
	return f.r
}

// readAll reads to the end of the file in one buffer sized from the file.
func (f *File) readAll() ([]byte, error) {
	var buf []byte
	if f.r != nil && f.r.Buffered() > 0 {
		buf, _ = f.r.Peek(f.r.Buffered())
		buf = append([]byte(nil), buf...)
		f.r.Reset(f.f)
	}
	// One byte more than the file's size when it was opened, so that the
	// read which finds the end needs no larger buffer (after earlier reads,
	// or writes, it is only a hint).
	size := 512
	if f.sizeHint >= int64(size) {
		size = int(f.sizeHint) + 1
	}
	if cap(buf)-len(buf) < size {
		buf = append(make([]byte, 0, len(buf)+size), buf...)
	}
	for {
		n, err := f.f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) || err == nil && f.metEnd(buf) {
			return f.decode(buf, true)
		}
		if err != nil {
			return nil, oserror.From(err)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// metEnd reports whether readAll's buffer holds the rest of a regular
// file without the read that returns 0: the last read left room in it, and
// it holds as many bytes as the file had when it was opened. (A file of
// /proc or /sys reports a size that is not its content's, 0 or a page, and
// gives its content a page per read: it is read until a read returns 0.)
func (f *File) metEnd(buf []byte) bool {
	return f.sizeHint > 0 && int64(len(buf)) == f.sizeHint && len(buf) < cap(buf)
}

// readN reads up to n bytes, or n characters in text mode.
func (f *File) readN(n int) ([]byte, error) {
	r := f.reader()
	if f.codec == nil {
		buf := make([]byte, n)
		got, err := io.ReadFull(r, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, oserror.From(err)
		}
		return buf[:got], nil
	}
	return f.readChars(n, false)
}

// readChar reads one character's bytes in text mode, nil at the end of the
// file; with newline=None a "\r\n" or "\r" is the one character "\n".
func (f *File) readChar() ([]byte, error) {
	r := f.reader()
	size := 1
	if f.codec.multibyte {
		if b, _ := r.Peek(utf8.UTFMax); len(b) > 0 {
			_, size = utf8.DecodeRune(b)
		}
	}
	c := make([]byte, size)
	n, err := io.ReadFull(r, c)
	if n == 0 {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, oserror.From(err)
	}
	if f.newline == nil && c[0] == '\r' {
		if next, _ := r.Peek(1); len(next) == 1 && next[0] == '\n' {
			r.Discard(1)
		}
		c[0] = '\n'
	}
	return c[:n], nil
}

// readline reads one line with its end, or up to limit bytes (characters
// in text mode) when limit >= 0; an empty result is the end of the file.
func (f *File) readline(limit int) ([]byte, error) {
	if f.codec != nil && limit >= 0 {
		return f.readChars(limit, true)
	}
	var line []byte
	for limit < 0 || len(line) < limit {
		c, err := f.lineChunk(limit - len(line))
		if err != nil {
			return nil, err
		}
		line = append(line, c...)
		if len(c) == 0 || f.endsLine(line) {
			break
		}
	}
	return f.decode(line, false)
}

// readChars reads up to n characters in text mode, stopping after a line
// end when line is set (readline with a limit).
func (f *File) readChars(n int, line bool) ([]byte, error) {
	var out []byte
	for chars := 0; chars < n; chars++ {
		c, err := f.readChar()
		if err != nil {
			return nil, err
		}
		if c == nil {
			break
		}
		out = append(out, c...)
		if line && f.endsLine(out) {
			break
		}
	}
	return f.decode(out, false)
}

// lineChunk reads the buffered bytes up to and including the next line end
// (all of them if there is none), at most max bytes when max > 0.
func (f *File) lineChunk(max int) ([]byte, error) {
	r := f.reader()
	if r.Buffered() == 0 {
		if _, err := r.Peek(1); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			return nil, oserror.From(err)
		}
	}
	buf, _ := r.Peek(r.Buffered())
	end := len(buf)
	if i := f.lineEnd(buf); i >= 0 {
		end = i + 1
	}
	if max > 0 && end > max {
		end = max
	}
	chunk := append([]byte(nil), buf[:end]...)
	r.Discard(end)
	if f.codec != nil && f.newline == nil || f.newline != nil && *f.newline == "" {
		// A universal "\r" ends the line; take the "\n" of a "\r\n".
		if chunk[len(chunk)-1] == '\r' {
			if next, _ := r.Peek(1); len(next) == 1 && next[0] == '\n' {
				r.Discard(1)
				chunk = append(chunk, '\n')
			}
		}
	}
	if f.codec != nil && f.newline == nil {
		chunk = TranslateNewlines(chunk)
	}
	return chunk, nil
}

// lineEnd is the index of the byte that ends the first line in buf, or -1.
func (f *File) lineEnd(buf []byte) int {
	if f.codec == nil || f.newline != nil && (*f.newline == "\n" || *f.newline == "\r\n") {
		return bytes.IndexByte(buf, '\n')
	}
	if f.newline != nil && *f.newline == "\r" {
		return bytes.IndexByte(buf, '\r')
	}
	return bytes.IndexAny(buf, "\r\n")
}

// endsLine reports whether line is complete.
func (f *File) endsLine(line []byte) bool {
	if f.newline != nil && *f.newline == "\r\n" {
		return bytes.HasSuffix(line, []byte("\r\n"))
	}
	last := line[len(line)-1]
	return last == '\n' || last == '\r' && f.codec != nil && (f.newline == nil || *f.newline == "" || *f.newline == "\r")
}

// TranslateNewlines turns "\r\n" and "\r" into "\n", as Python reads text
// with universal newlines.
func TranslateNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// decode turns bytes read in text mode into the script's string; whole
// says the bytes are the rest of the file (their newlines still to
// translate). Binary data passes unchanged.
func (f *File) decode(b []byte, whole bool) ([]byte, error) {
	if f.codec == nil {
		return b, nil
	}
	if whole && f.newline == nil {
		b = TranslateNewlines(b)
	}
	return f.codec.decode(b)
}

// write writes a str (text mode) or bytes (binary mode) and returns how many
// characters or bytes it wrote. Writes are not buffered in the process, so
// nothing is lost when a script ends without closing a file.
func (f *File) write(v starlark.Value) (int, error) {
	var data []byte
	var n int
	switch s := v.(type) {
	case starlark.String:
		if f.codec == nil {
			return 0, exceptions.TypeError.New("a bytes-like object is required, not 'str'")
		}
		text := string(s)
		n = utf8.RuneCountInString(text)
		if f.newline != nil && *f.newline != "" && *f.newline != "\n" {
			text = strings.ReplaceAll(text, "\n", *f.newline)
		}
		var err error
		if data, err = f.codec.encode(text); err != nil {
			return 0, err
		}
	case starlark.Bytes:
		if f.codec != nil {
			return 0, exceptions.TypeError.New("write() argument must be str, not bytes")
		}
		data, n = []byte(s), len(s)
	default:
		if f.codec != nil {
			return 0, exceptions.TypeError.Errorf("write() argument must be str, not %s", pytypes.TypeName(v))
		}
		return 0, exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", pytypes.TypeName(v))
	}
	if err := f.dropReadBuffer(); err != nil {
		return 0, err
	}
	if _, err := f.f.Write(data); err != nil {
		return 0, oserror.From(err)
	}
	return n, nil
}

// dropReadBuffer moves the file offset back over bytes read ahead but not
// consumed, so a write in a "+" mode lands where the script thinks it is.
func (f *File) dropReadBuffer() error {
	if f.r == nil || f.r.Buffered() == 0 {
		return nil
	}
	if _, err := f.f.Seek(int64(-f.r.Buffered()), io.SeekCurrent); err != nil {
		return oserror.From(err)
	}
	f.r.Reset(f.f)
	return nil
}

// close closes the file; closing it again does nothing.
func (f *File) close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if err := f.f.Close(); err != nil {
		return oserror.From(err)
	}
	return nil
}
