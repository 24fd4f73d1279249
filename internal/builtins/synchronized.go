package builtins

// The synchronized wrappers that Value, Array and synchronized() return
// (CPython: Lib/multiprocessing/sharedctypes.py Synchronized,
// SynchronizedArray, SynchronizedString): a ctypes object and a lock. Item
// and .value access take the lock, which is recursive by default, so
// `with_(v.get_lock(), ...)` around a read-modify-write works as in
// CPython. A wrapper is a context manager over its lock.

import (
	"slices"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// cObject is a ctypes object a wrapper can hold: *CValue or *CArray.
type cObject interface {
	starlark.Value
	// synchronized returns the object wrapped with l.
	synchronized(l *Lock) starlark.Value
}

// synchronizedObject is a wrapper: SynchronizedValue or SynchronizedArray.
type synchronizedObject interface {
	starlark.Value
	// parts returns the wrapped object and its lock.
	parts() (obj cObject, lock *Lock)
}

func (v *CValue) synchronized(l *Lock) starlark.Value {
	return &SynchronizedValue{wrapper: wrapper{lock: l}, obj: v}
}

func (a *CArray) synchronized(l *Lock) starlark.Value {
	return &SynchronizedArray{wrapper: wrapper{lock: l}, obj: a}
}

// wrapper is what both wrappers share: the lock and its methods.
type wrapper struct {
	value.Object
	lock *Lock
}

// hold takes the lock for one access.
func (w *wrapper) hold() error { return w.lock.Enter(nil) }

// drop releases the lock after one access.
func (w *wrapper) drop() error { return w.lock.Exit(nil, false) }

// Enter acquires the lock, as `with v:`.
func (w *wrapper) Enter(thread *starlark.Thread) error { return w.lock.Enter(thread) }

// Exit releases the lock.
func (w *wrapper) Exit(thread *starlark.Thread, failed bool) error {
	return w.lock.Exit(thread, failed)
}

// attr returns the methods both wrappers have, or nil: get_obj and
// get_lock, and the lock's acquire and release.
func (w *wrapper) attr(recv synchronizedObject, name string) starlark.Value {
	switch name {
	case "acquire", "release":
		return lockMethods.Table()[name].BindReceiver(w.lock)
	}
	if m, ok := wrapperMethods.Table()[name]; ok {
		return m.BindReceiver(recv)
	}
	return nil
}

var wrapperMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"get_lock": starlark.NewBuiltin("get_lock", wrapperGetLock),
		"get_obj":  starlark.NewBuiltin("get_obj", wrapperGetObj),
	}
})

// wrapperAttrNames are the attributes both wrappers have.
var wrapperAttrNames = []string{"acquire", "get_lock", "get_obj", "release"}

// def get_lock()
func wrapperGetLock(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	_, l := b.Receiver().(synchronizedObject).parts()
	return l, nil
}

// def get_obj()
func wrapperGetObj(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	obj, _ := b.Receiver().(synchronizedObject).parts()
	return obj, nil
}

// Handle kinds of the wrapped object in a wrapper's share payload.
const (
	wrappedValue = 'v'
	wrappedArray = 'a'
)

// shareWrapper is a wrapper's handle: the kind of object, the object's
// handle (block b of items of t), then the lock's.
func shareWrapper(sc *ShareContext, kind byte, b shm.Block, t *CType, l *Lock, what string) ([]byte, error) {
	p, err := appendShared(sc, b, t, what)
	if err != nil {
		return nil, err
	}
	lp, err := l.Share(sc)
	if err != nil {
		return nil, err
	}
	return append(append([]byte{kind}, p...), lp...), nil
}

func decodeSynchronized(uc *UnshareContext, p []byte) (starlark.Value, error) {
	if len(p) == 0 {
		return nil, exceptions.OSError.New("bad synchronized wrapper handle")
	}
	b, t, rest, err := readShared(uc, p[1:])
	if err != nil {
		return nil, err
	}
	lv, err := decodeLock(uc, rest)
	if err != nil {
		return nil, err
	}
	l := lv.(*Lock)
	switch {
	case p[0] == wrappedValue && b.Len == t.size:
		return (&CValue{t: t, mem: b.Bytes(), block: b}).synchronized(l), nil
	case p[0] == wrappedArray && b.Len%t.size == 0:
		return newCArray(t, b).synchronized(l), nil
	}
	return nil, exceptions.OSError.New("bad synchronized wrapper handle")
}

// SynchronizedValue wraps a shared value (CPython's Synchronized).
type SynchronizedValue struct {
	wrapper
	obj *CValue
}

var (
	_ synchronizedObject   = (*SynchronizedValue)(nil)
	_ starlark.HasSetField = (*SynchronizedValue)(nil)
	_ ContextManager       = (*SynchronizedValue)(nil)
	_ Shareable            = (*SynchronizedValue)(nil)
)

func (w *SynchronizedValue) parts() (cObject, *Lock) { return w.obj, w.lock }

// String is CPython's repr: <Synchronized wrapper for c_int(5)>.
func (w *SynchronizedValue) String() string {
	return "<Synchronized wrapper for " + w.obj.String() + ">"
}

// Type implements starlark.Value.
func (w *SynchronizedValue) Type() string { return "multiprocessing.sharedctypes.Synchronized" }

// Hash hashes by identity.
func (w *SynchronizedValue) Hash() (uint32, error) { return value.IdentityHash(w), nil }

// Attr implements starlark.HasAttrs: .value under the lock, and the
// wrapper's methods.
func (w *SynchronizedValue) Attr(name string) (starlark.Value, error) {
	if name == "value" {
		if err := w.hold(); err != nil {
			return nil, err
		}
		v := w.obj.t.load(w.obj.mem)
		return v, w.drop()
	}
	if m := w.attr(w, name); m != nil {
		return m, nil
	}
	return nil, noAttr("Synchronized", name)
}

// AttrNames implements starlark.HasAttrs.
func (w *SynchronizedValue) AttrNames() []string {
	return slices.Concat(wrapperAttrNames, []string{"value"})
}

// SetField implements w.value = x under the lock.
func (w *SynchronizedValue) SetField(name string, x starlark.Value) error {
	if name != "value" {
		return noAttr("Synchronized", name)
	}
	if err := w.hold(); err != nil {
		return err
	}
	err := w.obj.t.store(w.obj.mem, x)
	if derr := w.drop(); err == nil {
		err = derr
	}
	return err
}

// ShareKind implements Shareable.
func (w *SynchronizedValue) ShareKind() string { return "sharedctypes.synchronized" }

// Share implements Shareable: only as a process argument, as CPython.
func (w *SynchronizedValue) Share(sc *ShareContext) ([]byte, error) {
	if w.obj.block.Arena == nil {
		return nil, exceptions.TypeError.Errorf("cannot send a synchronized local %s object: only shared ones (made by Value or RawValue) cross processes", w.obj.t.name)
	}
	return shareWrapper(sc, wrappedValue, w.obj.block, w.obj.t, w.lock, "Synchronized")
}

// SynchronizedArray wraps a shared array (CPython's SynchronizedArray, and
// SynchronizedString for a c_char array, which adds .value and .raw).
type SynchronizedArray struct {
	wrapper
	obj *CArray
}

var (
	_ synchronizedObject     = (*SynchronizedArray)(nil)
	_ starlark.Sliceable     = (*SynchronizedArray)(nil)
	_ starlark.HasSetKey     = (*SynchronizedArray)(nil)
	_ starlark.Iterable      = (*SynchronizedArray)(nil)
	_ starlark.Container     = (*SynchronizedArray)(nil)
	_ starlark.HasSetField   = (*SynchronizedArray)(nil)
	_ ContextManager         = (*SynchronizedArray)(nil)
	_ pytypes.WritableBuffer = (*SynchronizedArray)(nil)
	_ Shareable              = (*SynchronizedArray)(nil)
)

func (w *SynchronizedArray) parts() (cObject, *Lock) { return w.obj, w.lock }

// className is CPython's class name for the wrapper.
func (w *SynchronizedArray) className() string {
	if w.obj.t.code == 'c' {
		return "SynchronizedString"
	}
	return "SynchronizedArray"
}

// String is CPython's repr: <SynchronizedArray wrapper for <...>>.
func (w *SynchronizedArray) String() string {
	return "<" + w.className() + " wrapper for " + w.obj.String() + ">"
}

// Type implements starlark.Value.
func (w *SynchronizedArray) Type() string { return "multiprocessing.sharedctypes." + w.className() }

// Hash hashes by identity.
func (w *SynchronizedArray) Hash() (uint32, error) { return value.IdentityHash(w), nil }

// Len implements starlark.Indexable, without the lock as CPython.
func (w *SynchronizedArray) Len() int { return w.obj.n }

// Index implements starlark.Indexable (iteration) under the lock. Taking
// the lock without a timeout fails only when an RLock's recursion count
// would overflow; Index cannot report that, so it then reads anyway.
func (w *SynchronizedArray) Index(i int) starlark.Value {
	if err := w.hold(); err != nil {
		return w.obj.Index(i)
	}
	v := w.obj.Index(i)
	w.drop()
	return v
}

// Get implements w[i] under the lock.
func (w *SynchronizedArray) Get(k starlark.Value) (starlark.Value, bool, error) {
	i, err := w.obj.index(k)
	if err != nil {
		return nil, false, err
	}
	return w.Index(i), true, nil
}

// SetKey implements w[i] = x under the lock.
func (w *SynchronizedArray) SetKey(k, x starlark.Value) error {
	if err := w.hold(); err != nil {
		return err
	}
	err := w.obj.SetKey(k, x)
	if derr := w.drop(); err == nil {
		err = derr
	}
	return err
}

// Slice implements w[start:end:step] under the lock (see Index for why a
// failure to lock still reads).
func (w *SynchronizedArray) Slice(start, end, step int) starlark.Value {
	if err := w.hold(); err != nil {
		return w.obj.Slice(start, end, step)
	}
	v := w.obj.Slice(start, end, step)
	w.drop()
	return v
}

// Iterate implements starlark.Iterable: each item is read under the lock.
func (w *SynchronizedArray) Iterate() starlark.Iterator { return pytypes.IterateFixed(w) }

// Has implements `x in w` under the lock.
func (w *SynchronizedArray) Has(y starlark.Value) (bool, error) {
	if err := w.hold(); err != nil {
		return false, err
	}
	found, err := w.obj.Has(y)
	if derr := w.drop(); err == nil {
		err = derr
	}
	return found, err
}

// Attr implements starlark.HasAttrs: the wrapper's methods, and .value and
// .raw of a c_char array under the lock.
func (w *SynchronizedArray) Attr(name string) (starlark.Value, error) {
	if m := w.attr(w, name); m != nil {
		return m, nil
	}
	if w.obj.t.code != 'c' || (name != "value" && name != "raw") {
		return nil, noAttr(w.className(), name)
	}
	if err := w.hold(); err != nil {
		return nil, err
	}
	v, err := w.obj.Attr(name)
	if derr := w.drop(); err == nil {
		err = derr
	}
	return v, err
}

// AttrNames implements starlark.HasAttrs.
func (w *SynchronizedArray) AttrNames() []string {
	if w.obj.t.code == 'c' {
		return slices.Concat(wrapperAttrNames, []string{"raw", "value"})
	}
	return wrapperAttrNames
}

// SetField implements .value and .raw assignment of a c_char array under
// the lock.
func (w *SynchronizedArray) SetField(name string, x starlark.Value) error {
	if w.obj.t.code != 'c' || (name != "value" && name != "raw") {
		return noAttr(w.className(), name)
	}
	if err := w.hold(); err != nil {
		return err
	}
	err := w.obj.SetField(name, x)
	if derr := w.drop(); err == nil {
		err = derr
	}
	return err
}

// ReadableBytes implements pytypes.ReadableBuffer: the shared bytes, so
// send_bytes(arr) works on a wrapper as on its object.
func (w *SynchronizedArray) ReadableBytes() []byte { return w.obj.mem }

// WritableBytes implements pytypes.WritableBuffer, for recv_bytes_into(arr).
func (w *SynchronizedArray) WritableBytes() ([]byte, error) { return w.obj.mem, nil }

// ShareKind implements Shareable.
func (w *SynchronizedArray) ShareKind() string { return "sharedctypes.synchronized" }

// Share implements Shareable: only as a process argument, as CPython.
func (w *SynchronizedArray) Share(sc *ShareContext) ([]byte, error) {
	return shareWrapper(sc, wrappedArray, w.obj.block, w.obj.t, w.lock, w.className())
}
