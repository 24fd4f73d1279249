package builtins

// Engine errors of connections, as the Python exceptions CPython raises
// for the same failures (connection.py).

import (
	"errors"
	"io"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// ConnErr converts an error from mpcore/conn (or a codec error on a
// received message) into the Python exception a script sees.
func ConnErr(err error) error {
	if err == nil {
		return nil
	}
	if cause := stop.Stopped(); cause != nil {
		return cause // the stop is why it failed (see block.go)
	}
	var (
		tooShort *conn.BufferTooShortError
		auth     *conn.AuthenticationError
		trunc    *conn.TruncatedFrameError
		version  *VersionError
		decode   *DecodeError
		pe       *exceptions.Error
	)
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, io.EOF):
		return exceptions.EOFError.New("")
	case errors.As(err, &trunc):
		return exceptions.EOFError.Errorf("%v", trunc)
	case errors.As(err, &tooShort):
		return exceptions.BufferTooShort.WithArgs(string(tooShort.Msg), starlark.Tuple{starlark.Bytes(tooShort.Msg)})
	case errors.As(err, &auth):
		return exceptions.AuthenticationError.Errorf("%s", auth.Msg)
	case errors.As(err, &version), errors.As(err, &decode):
		return exceptions.OSError.Errorf("bad message: %v", err)
	case errors.Is(err, syscall.EPIPE):
		return exceptions.BrokenPipeError.New("[Errno 32] Broken pipe")
	case errors.Is(err, syscall.ECONNRESET):
		return exceptions.ConnectionResetError.New("[Errno 104] Connection reset by peer")
	case errors.Is(err, syscall.ECONNREFUSED):
		return exceptions.ConnectionRefusedError.New("[Errno 111] Connection refused")
	case errors.Is(err, syscall.ENOENT):
		return exceptions.FileNotFoundError.Errorf("%v", err)
	}
	return exceptions.OSError.Errorf("%v", err)
}
