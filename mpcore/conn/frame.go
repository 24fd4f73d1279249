package conn

// Message framing, as pure helpers over byte slices and io.Reader/io.Writer.
// Mirrors Connection._send_bytes and Connection._recv_bytes in CPython's
// Lib/multiprocessing/connection.py; PROTOCOL.md describes the wire form.

import (
	"encoding/binary"
	"io"
	"math"
	"slices"
)

const (
	// shortHeaderLen is the size of the usual header: a big-endian int32 length.
	shortHeaderLen = 4
	// longHeaderLen is the size of the header for payloads over maxShortFrame:
	// the int32 -1 marker followed by a big-endian uint64 length.
	longHeaderLen = 12
	// maxShortFrame is the largest payload CPython sends with a 4-byte header.
	maxShortFrame = 0x7fffffff
	// longFrameMarker is the 4-byte header announcing an 8-byte length.
	longFrameMarker = 0xffffffff
	// coalesceLimit is CPython's threshold: payloads up to this size are
	// copied behind their header and sent with one write; larger ones are
	// sent without the copy.
	coalesceLimit = 16384
	// eagerAlloc bounds the buffer allocated on the word of a length header
	// alone; beyond it a frame's buffer grows only as its bytes arrive, so a
	// lying header cannot make us allocate memory the peer never sends.
	eagerAlloc = 16 << 20
)

const (
	// DefaultMaxFrame is the largest payload a socket connection made by a
	// Listener or Dial accepts unless changed with SetMaxFrame.
	DefaultMaxFrame = 64 << 20
	// NoFrameLimit disables the frame size limit, as CPython has none; it is
	// the default for Pipe and NewConn connections, whose peers are
	// processes of the same program. Memory still grows only with the bytes
	// actually received (see eagerAlloc).
	NoFrameLimit = math.MaxInt
)

// bulkMarker is a 4-byte frame header CPython never sends (a negative
// length other than -1). On a Pipe it announces that the next message
// travels on the bulk socket; see Pipe.
const bulkMarker = 0xFFFFFFFE

// bulkThreshold is the payload size from which a Pipe sends a message on
// its bulk socket.
const bulkThreshold = 64 << 10

// HeaderLen reports the length of the header that precedes a payload of n bytes.
func HeaderLen(n int) int {
	if n > maxShortFrame {
		return longHeaderLen
	}
	return shortHeaderLen
}

// AppendHeader appends the frame header for a payload of n bytes to dst.
func AppendHeader(dst []byte, n int) []byte {
	if n > maxShortFrame {
		dst = binary.BigEndian.AppendUint32(dst, longFrameMarker)
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// headerLenOf reports the full header length of a frame whose first four
// bytes are b.
func headerLenOf(b []byte) int {
	if binary.BigEndian.Uint32(b) == longFrameMarker {
		return longHeaderLen
	}
	return shortHeaderLen
}

// decodeHeader returns the payload size announced by the complete header h,
// or an error if it is malformed or exceeds max.
func decodeHeader(h []byte, max int) (int, error) {
	var size uint64
	if len(h) == longHeaderLen {
		size = binary.BigEndian.Uint64(h[shortHeaderLen:])
	} else {
		v := binary.BigEndian.Uint32(h)
		if v > maxShortFrame {
			// CPython never sends a negative length other than -1.
			return 0, &MalformedFrameError{Header: slices.Clone(h)}
		}
		size = uint64(v)
	}
	if size > uint64(max) {
		return 0, &FrameTooLargeError{Size: size, Max: max}
	}
	return int(size), nil
}

// WriteFrame writes p to w as one frame. It issues one Write for payloads up
// to 16 KiB (so TCP's Nagle algorithm never delays a lone header) and two
// above that (to avoid copying a large payload).
func WriteFrame(w io.Writer, p []byte) error {
	if len(p) <= coalesceLimit {
		buf := AppendHeader(make([]byte, 0, shortHeaderLen+len(p)), len(p))
		_, err := w.Write(append(buf, p...))
		return err
	}
	if _, err := w.Write(AppendHeader(nil, len(p))); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

// ReadFrame reads one frame from r and returns its payload. It returns io.EOF
// if r ends before the first header byte, a *TruncatedFrameError if it ends
// inside the frame, and a *FrameTooLargeError (without reading the payload)
// if the frame is larger than max bytes.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	size, err := readHeader(r, max)
	if err != nil {
		return nil, err
	}
	return readPayload(r, nil, size)
}

// readHeader reads a frame header from r and returns the payload size:
// io.EOF if r ends before the first byte, a *TruncatedFrameError if it ends
// inside the header, a *FrameTooLargeError past max.
func readHeader(r io.Reader, max int) (int, error) {
	var h [longHeaderLen]byte
	if _, err := io.ReadFull(r, h[:shortHeaderLen]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return 0, &TruncatedFrameError{Size: -1}
		}
		return 0, err
	}
	n := headerLenOf(h[:])
	if _, err := io.ReadFull(r, h[shortHeaderLen:n]); err != nil {
		return 0, truncated(err, -1)
	}
	return decodeHeader(h[:n], max)
}

// readInto reads a size-byte payload whose first bytes are prefix and whose
// rest comes from r into buf, or returns a *BufferTooShortError with the
// whole payload when buf is too small.
func readInto(r io.Reader, prefix, buf []byte, size int) (int, error) {
	if size > len(buf) {
		msg, err := readPayload(r, prefix, size)
		if err != nil {
			return 0, err
		}
		return 0, &BufferTooShortError{Msg: msg}
	}
	copy(buf, prefix)
	if _, err := io.ReadFull(r, buf[len(prefix):size]); err != nil {
		return 0, truncated(err, size)
	}
	return size, nil
}

// readPayload returns a size-byte payload whose first bytes are prefix and
// whose rest is read from r. The buffer grows with the data received, see
// eagerAlloc.
func readPayload(r io.Reader, prefix []byte, size int) ([]byte, error) {
	buf := make([]byte, len(prefix), max(len(prefix), min(size, eagerAlloc)))
	copy(buf, prefix)
	for len(buf) < size {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(size, 2*cap(buf))-len(buf))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), size)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return nil, truncated(err, size)
		}
	}
	return buf, nil
}

// truncated turns an end of input inside a frame into a *TruncatedFrameError
// and passes other errors through.
func truncated(err error, size int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &TruncatedFrameError{Size: size}
	}
	return err
}
