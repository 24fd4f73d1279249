package builtins

// Value, Array, RawValue and RawArray of the multiprocessing module, and
// the multiprocessing.sharedctypes module (CPython:
// Lib/multiprocessing/sharedctypes.py): ctypes objects allocated from
// shared memory (mpcore/shm), optionally wrapped with a lock. They reach a
// child only as process arguments, as in CPython.

import (
	"slices"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// The members, as Python's (the first four are also multiprocessing's):
//
//	def RawValue(typecode_or_type, *args)
//	def RawArray(typecode_or_type, size_or_initializer)
//	def Value(typecode_or_type, *args, lock=True)
//	def Array(typecode_or_type, size_or_initializer, *, lock=True)
//	def copy(obj)
//	def synchronized(obj, lock=None)
//
// typecode_or_type is one of the typecodes b B h H i I l L q Q f d c u (and
// ? for c_bool) or a ctypes type. lock=True (or None) makes a new RLock,
// lock=False returns the raw object, and a Lock or RLock is used as given.

// NewRawValue implements RawValue(typecode_or_type, *args)
func NewRawValue(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs); err != nil {
		return nil, err
	}
	return newSharedValue(b, args)
}

// NewValue implements Value(typecode_or_type, *args, lock=True)
func NewValue(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lock starlark.Value = starlark.True
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "lock?", &lock); err != nil {
		return nil, err
	}
	v, err := newSharedValue(b, args)
	if err != nil {
		return nil, err
	}
	return maybeSynchronized(RuntimeOf(thread), v, lock)
}

// NewRawArray implements RawArray(typecode_or_type, size_or_initializer)
func NewRawArray(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var typ, init starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &typ, &init); err != nil {
		return nil, err
	}
	return newSharedArray(typ, init)
}

// NewArray implements Array(typecode_or_type, size_or_initializer, *, lock=True)
func NewArray(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var typ, init starlark.Value
	var lock starlark.Value = starlark.True
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 2, &typ, &init); err != nil {
		return nil, err
	}
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "lock?", &lock); err != nil {
		return nil, err
	}
	a, err := newSharedArray(typ, init)
	if err != nil {
		return nil, err
	}
	return maybeSynchronized(RuntimeOf(thread), a, lock)
}

// maybeSynchronized wraps obj as Value and Array do: not at all for
// lock=False.
func maybeSynchronized(rt *Runtime, obj cObject, lock starlark.Value) (starlark.Value, error) {
	if lock == starlark.False {
		return obj, nil
	}
	l, err := wrapperLock(rt, lock)
	if err != nil {
		return nil, err
	}
	return obj.synchronized(l), nil
}

// wrapperLock returns the lock a wrapper uses: a new RLock of rt for None or
// a bool, else the Lock or RLock given.
func wrapperLock(rt *Runtime, v starlark.Value) (*Lock, error) {
	switch x := v.(type) {
	case *Lock:
		return x, nil
	case starlark.NoneType, starlark.Bool:
		return newLock(rt, true)
	}
	if h, ok := v.(starlark.HasAttrs); ok {
		if m, _ := h.Attr("acquire"); m != nil {
			return nil, exceptions.TypeError.Errorf("a shared value's lock must be a multiprocessing Lock or RLock, not %s", v.Type())
		}
	}
	return nil, exceptions.AttributeError.Errorf("%s has no method 'acquire'", v.String())
}

// allocShared returns a zeroed block of size bytes of shared memory.
func allocShared(size int) (shm.Block, error) {
	b, err := shm.DefaultHeap().Alloc(size)
	if err != nil {
		return shm.Block{}, exceptions.OSError.Errorf("cannot allocate %d bytes of shared memory: %v", size, err)
	}
	return b, nil
}

// newSharedValue makes RawValue(typecode_or_type, *args) for the builtin b.
func newSharedValue(b *starlark.Builtin, args starlark.Tuple) (*CValue, error) {
	if len(args) == 0 {
		return nil, exceptions.TypeError.Errorf("%s() missing 1 required positional argument: 'typecode_or_type'", b.Name())
	}
	t, err := cTypeOf(args[0])
	if err != nil {
		return nil, err
	}
	// Convert first, so a bad value costs no shared memory.
	local := &CValue{t: t, mem: make([]byte, t.size)}
	if err := local.init(args[1:]); err != nil {
		return nil, err
	}
	return sharedValueFrom(local)
}

// sharedValueFrom returns a new shared value holding v's contents.
func sharedValueFrom(v *CValue) (*CValue, error) {
	blk, err := allocShared(v.t.size)
	if err != nil {
		return nil, err
	}
	copy(blk.Bytes(), v.mem)
	return &CValue{t: v.t, mem: blk.Bytes(), block: blk}, nil
}

// maxArrayBytes bounds a shared array, so a mistyped size fails cleanly.
const maxArrayBytes = 1 << 40

// newSharedArray makes RawArray(typecode_or_type, size_or_initializer).
func newSharedArray(typ, init starlark.Value) (*CArray, error) {
	t, err := cTypeOf(typ)
	if err != nil {
		return nil, err
	}
	if size, ok := init.(starlark.Int); ok {
		n, ok := size.Int64()
		if ok && n < 0 {
			return nil, exceptions.ValueError.Errorf("Array length must be >= 0, not %d", n)
		}
		if !ok || n > maxArrayBytes/int64(t.size) {
			return nil, exceptions.MemoryError.Errorf("a shared array of %v items of %s is too large", size, t.name)
		}
		blk, err := allocShared(int(n) * t.size)
		if err != nil {
			return nil, err
		}
		return newCArray(t, blk), nil
	}
	items, err := arrayItems(t, init)
	if err != nil {
		return nil, err
	}
	return sharedArrayFrom(t, items)
}

// sharedArrayFrom returns a new shared array of t holding the item bytes.
func sharedArrayFrom(t *CType, items []byte) (*CArray, error) {
	blk, err := allocShared(len(items))
	if err != nil {
		return nil, err
	}
	copy(blk.Bytes(), items)
	return newCArray(t, blk), nil
}

// arrayItems converts an initializer's items to t's C bytes. As in Python,
// bytes give their byte values and a str its characters.
func arrayItems(t *CType, init starlark.Value) ([]byte, error) {
	switch x := init.(type) {
	case starlark.Bytes:
		ints := make([]starlark.Value, len(x))
		for i := range ints {
			ints[i] = starlark.MakeInt(int(x[i]))
		}
		init = starlark.Tuple(ints)
	case starlark.String:
		init = pytypes.StringChars(string(x))
	}
	iterable, ok := init.(starlark.Iterable)
	if !ok {
		return nil, exceptions.TypeError.Errorf("object of type '%s' has no len()", pytypes.TypeName(init))
	}
	buf := make([]byte, 0, max(starlark.Len(init), 0)*t.size)
	it := iterable.Iterate()
	defer it.Done()
	var v starlark.Value
	for it.Next(&v) {
		at := len(buf)
		buf = slices.Grow(buf, t.size)[:at+t.size]
		if err := t.store(buf[at:], v); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// Copy implements copy(obj): a new raw object in shared memory with obj's contents.
func Copy(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &obj); err != nil {
		return nil, err
	}
	switch x := obj.(type) {
	case *CValue:
		return sharedValueFrom(x)
	case *CArray:
		return sharedArrayFrom(x.t, x.mem)
	}
	return nil, exceptions.TypeError.Errorf("this type has no size: %s() takes a ctypes object (a RawValue or RawArray), not %s", b.Name(), obj.Type())
}

// NewSynchronized implements synchronized(obj, lock=None)
func NewSynchronized(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	var lock starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "obj", &obj, "lock?", &lock); err != nil {
		return nil, err
	}
	if _, ok := obj.(synchronizedObject); ok {
		return nil, exceptions.AssertionError.New("object already synchronized")
	}
	c, ok := obj.(cObject)
	if !ok {
		return nil, exceptions.TypeError.Errorf("%s() takes a ctypes object, not %s", b.Name(), obj.Type())
	}
	l, err := wrapperLock(RuntimeOf(thread), lock)
	if err != nil {
		return nil, err
	}
	return c.synchronized(l), nil
}

// appendShared is the handle of a shared ctypes object: its block, then
// its type's code. what names the object in CPython's error when it is not
// sent as a process argument.
func appendShared(sc *ShareContext, b shm.Block, t *CType, what string) ([]byte, error) {
	p, err := appendBlock(nil, sc, b, what)
	if err != nil {
		return nil, err
	}
	return append(p, t.code), nil
}

// readShared reads a handle written by appendShared and returns the rest
// of p.
func readShared(uc *UnshareContext, p []byte) (shm.Block, *CType, []byte, error) {
	b, rest, err := readBlock(uc, p)
	if err != nil {
		return shm.Block{}, nil, nil, err
	}
	if len(rest) == 0 || cTypeByCode[rest[0]] == nil {
		return shm.Block{}, nil, nil, exceptions.OSError.New("bad shared ctypes handle: no item type")
	}
	return b, cTypeByCode[rest[0]], rest[1:], nil
}

func decodeSharedValue(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, t, rest, err := readShared(uc, p)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 || b.Len != t.size {
		return nil, exceptions.OSError.New("bad shared value handle")
	}
	return &CValue{t: t, mem: b.Bytes(), block: b}, nil
}
