package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is a Reader's error for data that ends early or does not
// parse.
var ErrMalformed = errors.New("truncated or malformed data")

// AppendBytes appends s with its length before it.
func AppendBytes[S string | []byte](dst []byte, s S) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// Reader reads the fields of a message in order.
type Reader struct {
	// B is what is left to read.
	B []byte
	// Err is the first error; after it every read returns a zero value
	// and B is empty.
	Err error
}

func (r *Reader) fail() {
	if r.Err == nil {
		r.Err = ErrMalformed
	}
	r.B = nil
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 { return take(r, binary.Uvarint) }

// Varint reads a signed varint, as binary.AppendVarint writes it.
func (r *Reader) Varint() int64 { return take(r, binary.Varint) }

// take reads one varint with decode (binary.Uvarint or binary.Varint).
func take[T uint64 | int64](r *Reader, decode func([]byte) (T, int)) T {
	v, n := decode(r.B)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Count reads the number of items that follow, which cannot exceed the
// bytes left (every item takes one at least): corrupt data cannot make a
// decoder allocate more than it was sent.
func (r *Reader) Count() int {
	n := r.Uvarint()
	if n > uint64(len(r.B)) {
		r.fail()
		return 0
	}
	return int(n)
}

// Bytes reads a byte string, which shares the message's memory; an empty
// one is nil.
func (r *Reader) Bytes() []byte {
	n := r.Count()
	if n == 0 {
		return nil
	}
	v := r.B[:n:n]
	r.B = r.B[n:]
	return v
}

// Text reads a byte string as a string. (Not String: a Reader is no
// fmt.Stringer, and printing one must not read from it.)
func (r *Reader) Text() string { return string(r.Bytes()) }

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.B) == 0 {
		r.fail()
		return 0
	}
	v := r.B[0]
	r.B = r.B[1:]
	return v
}

// End returns the first error, or an error if bytes are left after what
// was read: a message must end with its last field.
func (r *Reader) End() error {
	if r.Err == nil && len(r.B) > 0 {
		return fmt.Errorf("%d bytes left over", len(r.B))
	}
	return r.Err
}
