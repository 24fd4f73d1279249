package file

// The descriptor under a file object that open() made.

import (
	"io"
	"os"
	"runtime"
	"syscall"
)

// stream is what a file object reads and writes: open()'s descriptor, or
// the *os.File of sys.stdin.
type stream interface {
	io.ReadWriteSeeker
	io.Closer
	Fd() uintptr
}

// descriptor is a descriptor read and written with plain system calls. It
// is not an *os.File because making one costs an fcntl and a finalizer per
// file, which with the bookkeeping of its reads and close is a tenth of
// what open(path).read() and close() of a small file cost. As with an
// *os.File, a descriptor the script never closes is closed once its file
// object is garbage (CPython closes it when the last reference goes).
type descriptor struct {
	fd      int
	name    string
	cleanup runtime.Cleanup
	os      *os.File // made when a command is given the file (osFile)
}

var _ stream = (*descriptor)(nil)

func newDescriptor(fd int, name string) *descriptor {
	d := &descriptor{fd: fd, name: name}
	d.cleanup = runtime.AddCleanup(d, closeFD, fd)
	return d
}

func closeFD(fd int) { syscall.Close(fd) }

// Read implements io.Reader; 0 bytes read is io.EOF.
func (d *descriptor) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := syscall.Read(d.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, d.wrap("read", err)
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write implements io.Writer: all of p, or an error.
func (d *descriptor) Write(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := syscall.Write(d.fd, p[written:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return written, d.wrap("write", err)
		case n == 0:
			return written, io.ErrShortWrite
		}
		written += n
	}
	return written, nil
}

// Seek implements io.Seeker.
func (d *descriptor) Seek(offset int64, whence int) (int64, error) {
	off, err := syscall.Seek(d.fd, offset, whence)
	if err != nil {
		return 0, d.wrap("seek", err)
	}
	return off, nil
}

// Close closes the descriptor (through its *os.File once there is one).
func (d *descriptor) Close() error {
	if d.os != nil {
		return d.os.Close()
	}
	d.cleanup.Stop()
	if err := syscall.Close(d.fd); err != nil {
		return d.wrap("close", err)
	}
	return nil
}

// Fd is the descriptor's number.
func (d *descriptor) Fd() uintptr { return uintptr(d.fd) }

// osFile returns the descriptor as an *os.File (a command's stdin or
// stdout), made on first use; from then on the *os.File's finalizer, not
// the descriptor's cleanup, closes it if the script does not.
func (d *descriptor) osFile() *os.File {
	if d.os == nil {
		d.cleanup.Stop()
		d.os = os.NewFile(uintptr(d.fd), d.name)
	}
	return d.os
}

// wrap is err as an *os.File's methods report it, with the file's name.
func (d *descriptor) wrap(op string, err error) error {
	return &os.PathError{Op: op, Path: d.name, Err: err}
}
