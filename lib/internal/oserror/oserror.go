// Package oserror turns the errors of Go's os, io/fs and os/exec packages
// into Python's OSError family, with CPython's messages:
//
//	FileNotFoundError: [Errno 2] No such file or directory: 'data.txt'
//	FileExistsError: [Errno 17] File exists: 'a' -> 'b'
//
// The subclass follows the errno as in CPython (ENOENT is FileNotFoundError,
// EACCES and EPERM PermissionError, EISDIR IsADirectoryError, ...), and
// exc.args is (errno, strerror).
package oserror

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// classes maps an errno to its OSError subclass, as CPython's
// PyErr_SetFromErrno chooses it.
var classes = map[syscall.Errno]*exceptions.Type{
	syscall.ENOENT:       exceptions.FileNotFoundError,
	syscall.EAGAIN:       exceptions.BlockingIOError,
	syscall.EEXIST:       exceptions.FileExistsError,
	syscall.EACCES:       exceptions.PermissionError,
	syscall.EPERM:        exceptions.PermissionError,
	syscall.EISDIR:       exceptions.IsADirectoryError,
	syscall.ENOTDIR:      exceptions.NotADirectoryError,
	syscall.ECHILD:       exceptions.ChildProcessError,
	syscall.EINTR:        exceptions.InterruptedError,
	syscall.ESRCH:        exceptions.ProcessLookupError,
	syscall.EPIPE:        exceptions.BrokenPipeError,
	syscall.ECONNRESET:   exceptions.ConnectionResetError,
	syscall.ECONNREFUSED: exceptions.ConnectionRefusedError,
}

// From converts err, which should come from an os or io/fs call, into the
// Python error a script sees. Errors without an errno become OSError with
// Go's message.
func From(err error) error {
	if _, ok := err.(*exceptions.Error); ok {
		return err // already Python's (a PermissionError from the run's grants)
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return exceptions.OSError.New(err.Error())
	}
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return Errno(errno, pe.Path)
	case errors.As(err, &le):
		return Errno(errno, le.Old, le.New)
	}
	return Errno(errno)
}

// Errno builds the error for errno about zero, one or two file names, as
// CPython prints it: "[Errno 2] No such file or directory: 'a' -> 'b'".
func Errno(errno syscall.Errno, names ...string) error {
	class, ok := classes[errno]
	if !ok {
		class = exceptions.OSError
	}
	strerror := Strerror(errno)
	msg := fmt.Sprintf("[Errno %d] %s", int(errno), strerror)
	for i, name := range names {
		sep := ": "
		if i > 0 {
			sep = " -> "
		}
		msg += sep + pyrepr.Repr(starlark.String(name))
	}
	return class.WithArgs(msg, starlark.Tuple{starlark.MakeInt(int(errno)), starlark.String(strerror)})
}

// Strerror is the C library's text for errno, as os.strerror returns it.
// Go keeps glibc's wording in lower case; C capitalises the first letter.
func Strerror(errno syscall.Errno) string {
	s := errno.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Path is a file system path argument: a str (or bytes), as CPython's
// os functions accept it. It implements starlark.Unpacker.
type Path string

// Unpack implements starlark.Unpacker.
func (p *Path) Unpack(v starlark.Value) error {
	s, err := PathOf(v)
	*p = Path(s)
	return err
}

// PathOf is the path v names, or CPython's TypeError.
func PathOf(v starlark.Value) (string, error) {
	switch s := v.(type) {
	case starlark.String:
		return string(s), nil
	case starlark.Bytes:
		return string(s), nil
	}
	return "", exceptions.TypeError.Errorf("expected str, bytes or os.PathLike object, not %s", pytypes.TypeName(v))
}
