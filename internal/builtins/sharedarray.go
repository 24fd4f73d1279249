package builtins

// The ctypes array in shared memory that RawArray returns and Array wraps
// (CPython: Lib/multiprocessing/sharedctypes.py RawArray, over ctypes
// arrays). It has a fixed length; items are C values in the shared block,
// so a write in one process is seen by every process that maps it.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// CArray is a ctypes array in shared memory, such as c_int_Array_3.
type CArray struct {
	t     *CType
	n     int       // number of items
	mem   []byte    // n*t.size bytes of the shared block
	block shm.Block // where mem lives
	name  string    // the array type's name, "c_int_Array_3"
}

var (
	_ starlark.Sliceable     = (*CArray)(nil)
	_ starlark.HasSetKey     = (*CArray)(nil)
	_ starlark.Iterable      = (*CArray)(nil)
	_ starlark.Container     = (*CArray)(nil)
	_ starlark.HasSetField   = (*CArray)(nil)
	_ pytypes.WritableBuffer = (*CArray)(nil)
	_ Shareable              = (*CArray)(nil)
)

// newCArray returns the array of t's items that lives in b.
func newCArray(t *CType, b shm.Block) *CArray {
	n := b.Len / t.size
	return &CArray{t: t, n: n, mem: b.Bytes(), block: b, name: fmt.Sprintf("%s_Array_%d", t.name, n)}
}

// String is CPython's repr:
// <multiprocessing.sharedctypes.c_int_Array_3 object at 0x7f...>, with the
// address of the shared memory in this process.
func (a *CArray) String() string {
	return fmt.Sprintf("<multiprocessing.sharedctypes.%s object at %p>", a.name, a.mem)
}

// Type implements starlark.Value.
func (a *CArray) Type() string { return "ctypes." + a.name }

// Freeze is a no-op: shared arrays are runtime objects.
func (a *CArray) Freeze() {}

// Truth is true for a non-empty array.
func (a *CArray) Truth() starlark.Bool { return a.n > 0 }

// Hash fails: ctypes arrays are unhashable, as in Python.
func (a *CArray) Hash() (uint32, error) {
	return 0, exceptions.TypeError.Errorf("unhashable type: '%s'", a.name)
}

// Len implements starlark.Indexable.
func (a *CArray) Len() int { return a.n }

// Index implements starlark.Indexable; 0 <= i < Len().
func (a *CArray) Index(i int) starlark.Value { return a.t.load(a.mem[i*a.t.size:]) }

// Get implements a[i], negative i counting from the end, with ctypes'
// IndexError.
func (a *CArray) Get(k starlark.Value) (starlark.Value, bool, error) {
	i, err := a.index(k)
	if err != nil {
		return nil, false, err
	}
	return a.Index(i), true, nil
}

// SetKey implements a[i] = x.
func (a *CArray) SetKey(k, x starlark.Value) error {
	i, err := a.index(k)
	if err != nil {
		return err
	}
	return a.t.store(a.mem[i*a.t.size:], x)
}

// index resolves a subscript to an item position.
func (a *CArray) index(k starlark.Value) (int, error) {
	x, ok := k.(starlark.Int)
	if !ok {
		return 0, exceptions.TypeError.New("indices must be integers")
	}
	i, ok := x.Int64()
	if ok && i < 0 {
		i += int64(a.n)
	}
	if !ok || i < 0 || i >= int64(a.n) {
		return 0, exceptions.IndexError.New("invalid index")
	}
	return int(i), nil
}

// Slice implements a[start:end:step], as ctypes: bytes for a c_char
// array, str for a c_wchar array, otherwise a list.
func (a *CArray) Slice(start, end, step int) starlark.Value {
	switch a.t.code {
	case 'c':
		return starlark.Bytes(pytypes.SliceBytes(a.mem, start, end, step, 1))
	case 'u':
		var sb strings.Builder
		for i := start; (step > 0 && i < end) || (step < 0 && i > end); i += step {
			sb.WriteRune(rune(binary.LittleEndian.Uint32(a.mem[4*i:])))
		}
		return starlark.String(sb.String())
	}
	items := make([]starlark.Value, sliceLen(start, end, step))
	if a.t.code == 'd' && step == 1 {
		boxFloat64s(items, a.mem[8*start:8*end])
	} else {
		for j := range items {
			items[j] = a.Index(start + j*step)
		}
	}
	return starlark.NewList(items)
}

// sliceLen is the number of items of [start:end:step], with start and end
// already resolved by Starlark.
func sliceLen(start, end, step int) int {
	switch {
	case step > 0 && end > start:
		return (end - start + step - 1) / step
	case step < 0 && start > end:
		return (start - end - step - 1) / -step
	}
	return 0
}

// Iterate implements starlark.Iterable.
func (a *CArray) Iterate() starlark.Iterator { return pytypes.IterateFixed(a) }

// Has implements `x in a`.
func (a *CArray) Has(y starlark.Value) (bool, error) {
	for i := 0; i < a.n; i++ {
		if eq, err := starlark.Equal(a.Index(i), y); err != nil || eq {
			return eq, err
		}
	}
	return false, nil
}

// Attr implements starlark.HasAttrs: .value and .raw of a c_char array,
// .value of a c_wchar array.
func (a *CArray) Attr(name string) (starlark.Value, error) {
	switch {
	case a.t.code == 'c' && name == "value":
		n := bytes.IndexByte(a.mem, 0)
		if n < 0 {
			n = len(a.mem)
		}
		return starlark.Bytes(a.mem[:n]), nil
	case a.t.code == 'c' && name == "raw":
		return starlark.Bytes(a.mem), nil
	case a.t.code == 'u' && name == "value":
		return starlark.String(a.wideString()), nil
	}
	return nil, noAttr(a.name, name)
}

// wideString returns the characters of a c_wchar array up to the first NUL.
func (a *CArray) wideString() string {
	var sb strings.Builder
	for i := 0; i < a.n; i++ {
		r := rune(binary.LittleEndian.Uint32(a.mem[4*i:]))
		if r == 0 {
			break
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// AttrNames implements starlark.HasAttrs.
func (a *CArray) AttrNames() []string {
	switch a.t.code {
	case 'c':
		return []string{"raw", "value"}
	case 'u':
		return []string{"value"}
	}
	return nil
}

// SetField implements a.value = x and a.raw = x, with ctypes' errors.
func (a *CArray) SetField(name string, x starlark.Value) error {
	switch {
	case a.t.code == 'c' && name == "value":
		b, ok := x.(starlark.Bytes)
		if !ok {
			return exceptions.TypeError.Errorf("bytes expected instead of %s instance", pytypes.TypeName(x))
		}
		return a.setChars([]byte(b), true)
	case a.t.code == 'c' && name == "raw":
		b, ok := pytypes.BufferBytes(x)
		if !ok {
			return exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", pytypes.TypeName(x))
		}
		return a.setChars(b, false)
	case a.t.code == 'u' && name == "value":
		s, ok := x.(starlark.String)
		if !ok {
			return exceptions.TypeError.Errorf("unicode string expected instead of %s instance", pytypes.TypeName(x))
		}
		return a.setWideString(string(s))
	}
	return noAttr(a.name, name)
}

// setChars writes b at the start of a c_char array, then a NUL if
// terminate and there is room, as ctypes' value (terminate) and raw.
func (a *CArray) setChars(b []byte, terminate bool) error {
	if len(b) > a.n {
		return exceptions.ValueError.New("byte string too long")
	}
	copy(a.mem, b)
	if terminate && len(b) < a.n {
		a.mem[len(b)] = 0
	}
	return nil
}

// setWideString writes s and, if there is room, a NUL to a c_wchar array.
func (a *CArray) setWideString(s string) error {
	if utf8.RuneCountInString(s) > a.n {
		return exceptions.ValueError.New("string too long")
	}
	i := 0
	for _, r := range s {
		binary.LittleEndian.PutUint32(a.mem[4*i:], uint32(r))
		i++
	}
	if i < a.n {
		binary.LittleEndian.PutUint32(a.mem[4*i:], 0)
	}
	return nil
}

// ReadableBytes implements pytypes.ReadableBuffer: the shared bytes.
func (a *CArray) ReadableBytes() []byte { return a.mem }

// WritableBytes implements pytypes.WritableBuffer: recv_bytes_into writes
// straight into shared memory.
func (a *CArray) WritableBytes() ([]byte, error) { return a.mem, nil }

// ShareKind implements Shareable.
func (a *CArray) ShareKind() string { return "sharedctypes.array" }

// Share implements Shareable: the block and the item type; only as a
// process argument, as CPython.
func (a *CArray) Share(sc *ShareContext) ([]byte, error) {
	return appendShared(sc, a.block, a.t, a.name)
}

func decodeSharedArray(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, t, rest, err := readShared(uc, p)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 || b.Len%t.size != 0 {
		return nil, exceptions.OSError.New("bad shared array handle")
	}
	return newCArray(t, b), nil
}
