package conn

// Error values of the package. Their messages are CPython's where CPython has
// one (Lib/multiprocessing/connection.py and Lib/multiprocessing/__init__.py's
// exception classes), so the builtins layer can map them onto Python's types.

import (
	"errors"
	"fmt"
	"io"
)

var (
	// ErrClosed is returned by operations on a closed Conn (OSError).
	ErrClosed = errors.New("handle is closed")
	// ErrWriteOnly is returned when receiving on a write-only Conn (OSError).
	ErrWriteOnly = errors.New("connection is write-only")
	// ErrReadOnly is returned when sending on a read-only Conn (OSError).
	ErrReadOnly = errors.New("connection is read-only")
	// ErrListenerClosed is returned by Accept on a closed Listener (OSError).
	ErrListenerClosed = errors.New("listener is closed")
)

// FrameTooLargeError reports a frame longer than the receiver accepts: the
// maxlength of RecvBytes, the handshake's 256-byte limit or the Conn's
// MaxFrame. The payload is not read; CPython then stops reading from the
// connection (OSError "bad message length").
type FrameTooLargeError struct {
	Size uint64 // length announced by the frame header
	Max  int    // largest length the receiver accepted
}

// Error implements the error interface.
func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("bad message length: frame of %d bytes exceeds the limit of %d bytes", e.Size, e.Max)
}

// MalformedFrameError reports a 4-byte header holding a negative length
// other than -1, which no CPython sender produces (OSError).
type MalformedFrameError struct {
	Header []byte
}

// Error implements the error interface.
func (e *MalformedFrameError) Error() string {
	return fmt.Sprintf("bad message length: invalid frame header % x", e.Header)
}

// TruncatedFrameError reports an end of file inside a frame: the peer closed
// the connection in the middle of a message (OSError in CPython). It unwraps
// to io.ErrUnexpectedEOF.
type TruncatedFrameError struct {
	Size int // payload length from the header, or -1 if the header itself was cut
}

// Error implements the error interface.
func (e *TruncatedFrameError) Error() string {
	if e.Size < 0 {
		return "got end of file during message header"
	}
	return fmt.Sprintf("got end of file during message of %d bytes", e.Size)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *TruncatedFrameError) Unwrap() error { return io.ErrUnexpectedEOF }

// BufferTooShortError is returned by RecvBytesInto when the message does not
// fit the buffer; Msg is the whole message, as in CPython's BufferTooShort.
type BufferTooShortError struct {
	Msg []byte
}

// Error implements the error interface.
func (e *BufferTooShortError) Error() string {
	return fmt.Sprintf("buffer too short for a message of %d bytes", len(e.Msg))
}

// AuthenticationError reports a failed authkey handshake (CPython's
// multiprocessing.AuthenticationError). Err, if set, is the cause, such as
// os.ErrDeadlineExceeded when the peer did not answer in time.
type AuthenticationError struct {
	Msg string
	Err error
}

// Error implements the error interface.
func (e *AuthenticationError) Error() string { return e.Msg }

// Unwrap returns the cause, if any.
func (e *AuthenticationError) Unwrap() error { return e.Err }
