package builtins

// Engine errors of connections, as the Python exceptions CPython raises
// for the same failures (connection.py).

import (
	"errors"
	"io"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// connErr converts an error from mpcore/conn (or a codec error on a
// received message) into the Python exception a script sees.
func connErr(err error) error {
	if err == nil {
		return nil
	}
	var (
		tooShort *conn.BufferTooShortError
		auth     *conn.AuthenticationError
		trunc    *conn.TruncatedFrameError
		version  *VersionError
		decode   *DecodeError
		pe       *PyError
	)
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, io.EOF):
		return &PyError{Type: "EOFError", Msg: ""}
	case errors.As(err, &trunc):
		return pyErr("EOFError", "%v", trunc)
	case errors.As(err, &tooShort):
		return &PyError{Type: "BufferTooShort", Msg: string(tooShort.Msg), Args: starlark.Tuple{starlark.Bytes(tooShort.Msg)}}
	case errors.As(err, &auth):
		return pyErr("AuthenticationError", "%s", auth.Msg)
	case errors.As(err, &version), errors.As(err, &decode):
		return pyErr("OSError", "bad message: %v", err)
	case errors.Is(err, syscall.EPIPE):
		return pyErr("BrokenPipeError", "[Errno 32] Broken pipe")
	case errors.Is(err, syscall.ECONNRESET):
		return pyErr("ConnectionResetError", "[Errno 104] Connection reset by peer")
	case errors.Is(err, syscall.ECONNREFUSED):
		return pyErr("ConnectionRefusedError", "[Errno 111] Connection refused")
	case errors.Is(err, syscall.ENOENT):
		return pyErr("FileNotFoundError", "%v", err)
	}
	return pyErr("OSError", "%v", err)
}
