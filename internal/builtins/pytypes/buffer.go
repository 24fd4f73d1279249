package pytypes

// The buffer protocol: the values Python accepts where it takes a
// bytes-like object (Connection.send_bytes, recv_bytes_into). Python's is
// memoryview; ours is two small interfaces that bytearray, array.array and
// the shared Array implement. bytes and str values are handled by callers.

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
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

// BufferBytes returns the bytes of a bytes-like value: bytes or a
// ReadableBuffer (not str, which Python refuses where it wants bytes).
func BufferBytes(v starlark.Value) ([]byte, bool) {
	switch x := v.(type) {
	case starlark.Bytes:
		return []byte(x), true
	case ReadableBuffer:
		return x.ReadableBytes(), true
	}
	return nil, false
}

// TypeName is the Python name of a value's type, for error messages
// copied from CPython ("'str' object cannot be interpreted as an integer").
func TypeName(v starlark.Value) string {
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

// IterateFixed returns an iterator over a sequence whose length never
// changes (a shared array), which needs no iteration lock.
func IterateFixed(seq starlark.Indexable) starlark.Iterator { return fixedLength.iterate(seq) }

// fixedLength is the mutability of sequences whose length never changes
// (shared arrays): marked frozen so that iterating them tracks nothing.
var fixedLength = &mutability{frozen: true}

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

// localSequence is a mutable local sequence (bytearray, array.array).
type localSequence interface {
	starlark.Value
	checkMutable(verb string) error
}

// sequenceMethod unpacks a method's positional arguments into want (all
// required) and returns its receiver, checked mutable when the method
// changes it.
func sequenceMethod[T localSequence](b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, mutating bool, want ...any) (T, error) {
	var zero T
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, len(want), want...); err != nil {
		return zero, err
	}
	s := b.Receiver().(T)
	if mutating {
		if err := s.checkMutable(b.Name() + " on"); err != nil {
			return zero, err
		}
	}
	return s, nil
}

// popIndex resolves pop's index i into a sequence of n items, with
// Python's errors.
func popIndex(i, n int, typeName string) (int, error) {
	if n == 0 {
		return 0, exceptions.IndexError.Errorf("pop from empty %s", typeName)
	}
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return 0, exceptions.IndexError.New("pop index out of range")
	}
	return i, nil
}

// repeatCount is k in seq * k for a sequence of size bytes, as Python:
// a negative count is 0, and a result over 4 GiB is a MemoryError. ok is
// false when y is not an int (the operation is not defined).
func repeatCount(y starlark.Value, size int, typeName string) (k int, ok bool, err error) {
	n, ok := y.(starlark.Int)
	if !ok {
		return 0, false, nil
	}
	k64, ok := n.Int64()
	if !ok || k64 < 0 {
		k64 = 0
	}
	if k64 > 0 && int64(size)*k64 > 1<<32 {
		return 0, true, exceptions.MemoryError.Errorf("repeated %s is too large", typeName)
	}
	return int(k64), true, nil
}
