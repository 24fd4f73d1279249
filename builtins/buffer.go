package builtins

// The buffer protocol: the values Python accepts where it takes a
// bytes-like object (Connection.send_bytes, recv_bytes_into). Python's is
// memoryview; ours is two small interfaces that bytearray, array.array and
// the shared Array implement. bytes and str values are handled by callers.

import (
	"fmt"

	"go.starlark.net/starlark"
)

// ReadableBuffer is a value whose bytes may be read in place, as Python's
// bytes-like objects (send_bytes(buf, offset, size)).
type ReadableBuffer interface {
	starlark.Value
	// ReadableBytes returns the live backing bytes. Callers must not keep
	// them beyond the call that asked, nor modify them.
	ReadableBytes() []byte
}

// WritableBuffer is a value whose bytes may be overwritten in place, as
// Python's writable buffers (recv_bytes_into(buf, offset)).
type WritableBuffer interface {
	ReadableBuffer
	// WritableBytes returns the live backing bytes, or an error when the
	// value may not be modified now (it is frozen, or being iterated).
	WritableBytes() ([]byte, error)
}

// bufferBytes returns the bytes of a bytes-like value: bytes or a
// ReadableBuffer (not str, which Python refuses where it wants bytes).
func bufferBytes(v starlark.Value) ([]byte, bool) {
	switch x := v.(type) {
	case starlark.Bytes:
		return []byte(x), true
	case ReadableBuffer:
		return x.ReadableBytes(), true
	}
	return nil, false
}

// pyTypeName is the Python name of a value's type, for error messages
// copied from CPython ("'str' object cannot be interpreted as an integer").
func pyTypeName(v starlark.Value) string {
	switch v.(type) {
	case starlark.String:
		return "str"
	case starlark.NoneType:
		return "NoneType"
	case *starlark.List:
		return "list"
	case *starlark.Function:
		return "function"
	}
	return v.Type()
}

// mutability is the state that makes a local sequence (bytearray,
// array.array) refuse changes when frozen or while being iterated, as
// Starlark lists do.
type mutability struct {
	frozen    bool
	itercount uint32 // active iterators
}

// check returns the error for changing a value of typeName now, if any.
func (m *mutability) check(typeName, verb string) error {
	if m.frozen {
		return fmt.Errorf("cannot %s frozen %s", verb, typeName)
	}
	if m.itercount > 0 {
		return fmt.Errorf("cannot %s %s during iteration", verb, typeName)
	}
	return nil
}

// iterate returns an iterator over seq that holds m's iteration lock.
func (m *mutability) iterate(seq starlark.Indexable) starlark.Iterator {
	if !m.frozen {
		m.itercount++
	}
	return &indexIterator{seq: seq, m: m}
}

// indexIterator iterates over an Indexable by position.
type indexIterator struct {
	seq starlark.Indexable
	m   *mutability
	i   int
}

func (it *indexIterator) Next(p *starlark.Value) bool {
	if it.i < it.seq.Len() {
		*p = it.seq.Index(it.i)
		it.i++
		return true
	}
	return false
}

func (it *indexIterator) Done() {
	if !it.m.frozen {
		it.m.itercount--
	}
}
