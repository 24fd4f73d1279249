package value

// Runtime objects: values that compare by identity, never freeze and are
// always true.

import (
	"reflect"
	"sort"

	"go.starlark.net/starlark"
)

// Object gives Freeze and Truth to values that never freeze and are always
// true: runtime objects (locks, processes, managers, proxies, ...), which
// stay usable in frozen globals, and immutable values (ctypes types, error
// values).
type Object struct{}

// Freeze is a no-op: runtime objects stay usable in frozen globals, and
// immutable values have nothing to freeze.
func (Object) Freeze() {}

// Truth implements starlark.Value.
func (Object) Truth() starlark.Bool { return true }

// Attr looks up a bound method in a method table.
func Attr(methods *Methods, recv starlark.Value, name string) (starlark.Value, error) {
	if b, ok := methods.Table()[name]; ok {
		return b.BindReceiver(recv), nil
	}
	return nil, nil
}

// AttrNames returns the sorted names of a method table and of the extra
// (field) attributes.
func AttrNames(methods *Methods, extra ...string) []string {
	names := append([]string(nil), extra...)
	for n := range methods.Table() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IdentityHash hashes a runtime object by its address: such objects compare
// by identity. The address is only hashed, never turned back into a
// pointer, and Go's collector does not move heap objects.
func IdentityHash[T any](p *T) uint32 {
	a := reflect.ValueOf(p).Pointer()
	return uint32(a>>3) ^ uint32(uint64(a)>>35)
}
