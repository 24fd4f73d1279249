package builtins

// The ctypes module: the C simple types that multiprocessing's shared
// values are made of (CPython: Lib/ctypes/__init__.py, as
// Lib/multiprocessing/sharedctypes.py uses it). A type is a value usable as
// typecode_or_type and callable to make a local ctypes object; items are
// stored as little-endian C values and, as in ctypes, an integer that does
// not fit is truncated to the type's width rather than refused.

import (
	"math"
	"math/big"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/internal/pyquote"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// CtypesModule is the ctypes module, as Python's (on 64-bit Linux, where
// c_longlong is c_long and c_ulonglong is c_ulong):
//
//	c_bool, c_char, c_wchar, c_byte, c_ubyte, c_short, c_ushort, c_int,
//	c_uint, c_long, c_ulong, c_longlong, c_ulonglong, c_float, c_double,
//	c_int8, c_uint8, c_int16, c_uint16, c_int32, c_uint32, c_int64, c_uint64
//	def sizeof(obj_or_type)
//
// Calling a type makes a local object: c_int(5).value == 5.
var CtypesModule = value.NewModule("ctypes", ctypesMembers)

func ctypesMembers() starlark.StringDict {
	members := starlark.StringDict{
		"c_longlong":  cTypeByCode['l'],
		"c_ulonglong": cTypeByCode['L'],
		"sizeof":      starlark.NewBuiltin("ctypes.sizeof", ctypesSizeof),
	}
	for _, t := range cTypes {
		members[t.name] = t
	}
	for name, code := range fixedWidth {
		members[name] = cTypeByCode[code]
	}
	return members
}

// fixedWidth are ctypes' fixed-width names, which are other names of the
// simple types (c_int32 is c_int), as on 64-bit Linux.
var fixedWidth = map[string]byte{
	"c_int8": 'b', "c_uint8": 'B', "c_int16": 'h', "c_uint16": 'H',
	"c_int32": 'i', "c_uint32": 'I', "c_int64": 'l', "c_uint64": 'L',
}

// CType is a ctypes simple type, such as ctypes.c_int.
type CType struct {
	value.Object
	name string            // "c_int"
	code byte              // the typecode letter that names it: i, d, c, u, ? ...
	size int               // sizeof, in bytes
	tc   *pytypes.TypeCode // array.go's description, for numbers and c_wchar; nil for c_char and c_bool
}

var (
	_ starlark.Callable = (*CType)(nil)
	_ Shareable         = (*CType)(nil)
)

// cTypes lists the distinct types in ctypes' order.
var cTypes = []*CType{
	newCType("c_bool", '?', 1),
	newCType("c_char", 'c', 1),
	newCType("c_wchar", 'u', 4),
	newCType("c_byte", 'b', 1),
	newCType("c_ubyte", 'B', 1),
	newCType("c_short", 'h', 2),
	newCType("c_ushort", 'H', 2),
	newCType("c_int", 'i', 4),
	newCType("c_uint", 'I', 4),
	newCType("c_long", 'l', 8),
	newCType("c_ulong", 'L', 8),
	newCType("c_float", 'f', 4),
	newCType("c_double", 'd', 8),
}

// cTypeByCode maps the typecodes sharedctypes accepts to their types; 'q'
// and 'Q' are c_longlong and c_ulonglong, the same types as c_long and
// c_ulong here.
var cTypeByCode = func() map[byte]*CType {
	m := map[byte]*CType{}
	for _, t := range cTypes {
		m[t.code] = t
	}
	m['q'], m['Q'] = m['l'], m['L']
	return m
}()

func newCType(name string, code byte, size int) *CType {
	return &CType{name: name, code: code, size: size, tc: pytypes.LookupTypeCode(code)}
}

// cTypeOf resolves typecode_or_type: a typecode letter or a ctypes type.
func cTypeOf(v starlark.Value) (*CType, error) {
	switch x := v.(type) {
	case *CType:
		return x, nil
	case starlark.String:
		if len(x) == 1 {
			if t := cTypeByCode[x[0]]; t != nil {
				return t, nil
			}
		}
	}
	// CPython's message (it asks ctypes for the size of what it got), with
	// what would have worked.
	return nil, exceptions.TypeError.Errorf("this type has no size: %s is neither a typecode (one of b B h H i I l L q Q f d c u ?) nor a ctypes type", v.String())
}

// String is repr of the class, as Python's: <class 'ctypes.c_int'>.
func (t *CType) String() string { return "<class 'ctypes." + t.name + "'>" }

// Type implements starlark.Value.
func (t *CType) Type() string { return "ctypes_type" }

// Hash hashes by name.
func (t *CType) Hash() (uint32, error) { return starlark.String(t.name).Hash() }

// Name implements starlark.Callable.
func (t *CType) Name() string { return "ctypes." + t.name }

// CallInternal makes a local object: c_int(value=0).
func (t *CType) CallInternal(_ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, exceptions.TypeError.Errorf("%s() takes no keyword arguments", t.Name())
	}
	v := &CValue{t: t, mem: make([]byte, t.size)}
	if err := v.init(args); err != nil {
		return nil, err
	}
	return v, nil
}

// ShareKind implements Shareable: a type crosses by its typecode.
func (t *CType) ShareKind() string { return "ctypes.type" }

// Share implements Shareable; types need no descriptor, so they go
// anywhere.
func (t *CType) Share(*ShareContext) ([]byte, error) { return []byte{t.code}, nil }

func decodeCType(_ *UnshareContext, p []byte) (starlark.Value, error) {
	if len(p) != 1 || cTypeByCode[p[0]] == nil {
		return nil, exceptions.OSError.Errorf("bad ctypes type handle %q", p)
	}
	return cTypeByCode[p[0]], nil
}

// load returns the item whose bytes are p[:t.size].
func (t *CType) load(p []byte) starlark.Value {
	switch t.code {
	case 'c':
		return starlark.Bytes(string(p[:1]))
	case '?':
		return starlark.Bool(p[0] != 0)
	}
	return t.tc.Load(p, 0)
}

// store converts v to the C type and writes it to p[:t.size].
func (t *CType) store(p []byte, v starlark.Value) error {
	bits, err := t.bits(v)
	if err != nil {
		return err
	}
	storeBits(p[:t.size], bits)
	return nil
}

// bits converts v to the bit pattern of the C type, with ctypes' errors.
// Integers keep their low bits, as ctypes does.
func (t *CType) bits(v starlark.Value) (uint64, error) {
	switch t.code {
	case '?':
		return uint64(boolByte(bool(v.Truth()))), nil
	case 'c':
		return charBits(v)
	case 'u':
		return wcharBits(v)
	case 'f', 'd':
		if b, ok := v.(starlark.Bool); ok {
			v = starlark.MakeInt(int(boolByte(bool(b))))
		}
		return t.tc.FloatBits(v)
	}
	return intBits(v)
}

var lowBits64 = new(big.Int).SetUint64(math.MaxUint64)

// intBits returns the low 64 bits of an int (two's complement), which the
// store then truncates to the C type's width.
func intBits(v starlark.Value) (uint64, error) {
	switch x := v.(type) {
	case starlark.Int:
		if n, ok := x.Int64(); ok {
			return uint64(n), nil
		}
		return new(big.Int).And(x.BigInt(), lowBits64).Uint64(), nil
	case starlark.Bool:
		return uint64(boolByte(bool(x))), nil
	}
	return 0, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(v))
}

// charBits converts a c_char item: one byte as bytes or bytearray, or an
// int in range(256).
func charBits(v starlark.Value) (uint64, error) {
	switch x := v.(type) {
	case starlark.Bytes:
		if len(x) == 1 {
			return uint64(x[0]), nil
		}
	case *pytypes.Bytearray:
		if len(x.ReadableBytes()) == 1 {
			return uint64(x.ReadableBytes()[0]), nil
		}
	case starlark.Int:
		if n, ok := x.Int64(); ok && n >= 0 && n < 256 {
			return uint64(n), nil
		}
	}
	return 0, exceptions.TypeError.New("one character bytes, bytearray or integer expected")
}

// wcharBits converts a c_wchar item: a str of one character.
func wcharBits(v starlark.Value) (uint64, error) {
	if s, ok := v.(starlark.String); ok && utf8.RuneCountInString(string(s)) == 1 {
		r, _ := utf8.DecodeRuneInString(string(s))
		return uint64(r), nil
	}
	return 0, exceptions.TypeError.New("one character unicode string expected")
}

// storeBits writes the low len(p) bytes of bits to p, little-endian; the
// counterpart of loadBits.
func storeBits(p []byte, bits uint64) {
	for i := range p {
		p[i] = byte(bits >> (8 * i))
	}
}

// itemRepr renders an item as Python's repr inside c_int(...).
func (t *CType) itemRepr(v starlark.Value) string {
	switch x := v.(type) {
	case starlark.Bytes:
		return pyquote.Bytes([]byte(x))
	case starlark.String:
		return pyquote.Str(string(x))
	}
	return pytypes.Repr(v)
}

// CValue is a ctypes simple object: a local one (ctypes.c_int(5)) or one in
// shared memory (RawValue, and the object a Value wraps).
type CValue struct {
	t     *CType
	mem   []byte    // t.size bytes: shared memory when block is set
	block shm.Block // the shared block; Arena is nil for a local object
}

var (
	_ starlark.HasSetField   = (*CValue)(nil)
	_ pytypes.WritableBuffer = (*CValue)(nil)
	_ Shareable              = (*CValue)(nil)
)

// init applies the constructor's optional value, as ctypes' __init__.
func (v *CValue) init(args starlark.Tuple) error {
	switch len(args) {
	case 0:
		return nil
	case 1:
		return v.t.store(v.mem, args[0])
	}
	return exceptions.TypeError.Errorf("__init__ expected at most 1 argument, got %d", len(args))
}

// String is repr, as Python's: c_int(5), c_char(b'a').
func (v *CValue) String() string {
	return v.t.name + "(" + v.t.itemRepr(v.t.load(v.mem)) + ")"
}

// Type implements starlark.Value.
func (v *CValue) Type() string { return "ctypes." + v.t.name }

// Freeze is a no-op: ctypes objects stay mutable, and shared ones are
// runtime objects.
func (v *CValue) Freeze() {}

// Truth is whether the value is non-zero, as ctypes' __bool__.
func (v *CValue) Truth() starlark.Bool {
	for _, b := range v.mem {
		if b != 0 {
			return true
		}
	}
	return false
}

// Hash fails: ctypes objects are unhashable, as in Python.
func (v *CValue) Hash() (uint32, error) {
	return 0, exceptions.TypeError.Errorf("unhashable type: '%s'", v.t.name)
}

// Attr implements starlark.HasAttrs: .value.
func (v *CValue) Attr(name string) (starlark.Value, error) {
	if name == "value" {
		return v.t.load(v.mem), nil
	}
	return nil, noAttr(v.t.name, name)
}

// AttrNames implements starlark.HasAttrs.
func (v *CValue) AttrNames() []string { return []string{"value"} }

// SetField implements v.value = x.
func (v *CValue) SetField(name string, x starlark.Value) error {
	if name == "value" {
		return v.t.store(v.mem, x)
	}
	return noAttr(v.t.name, name)
}

// noAttr is Python's AttributeError for a missing attribute.
func noAttr(typeName, attr string) error {
	return exceptions.AttributeError.Errorf("'%s' object has no attribute '%s'", typeName, attr)
}

// ReadableBytes implements pytypes.ReadableBuffer: the object's C bytes.
func (v *CValue) ReadableBytes() []byte { return v.mem }

// WritableBytes implements pytypes.WritableBuffer.
func (v *CValue) WritableBytes() ([]byte, error) { return v.mem, nil }

// ShareKind implements Shareable: a shared value crosses by handle, a
// local one by value.
func (v *CValue) ShareKind() string {
	if v.block.Arena == nil {
		return "ctypes.local"
	}
	return "sharedctypes.value"
}

// Share implements Shareable: the typecode, then the bytes of a local value
// or the block of a shared one.
func (v *CValue) Share(sc *ShareContext) ([]byte, error) {
	if v.block.Arena == nil {
		return append([]byte{v.t.code}, v.mem...), nil
	}
	return appendShared(sc, v.block, v.t, v.t.name)
}

func decodeLocalCValue(_ *UnshareContext, p []byte) (starlark.Value, error) {
	if len(p) > 0 {
		if t := cTypeByCode[p[0]]; t != nil && len(p) == 1+t.size {
			return &CValue{t: t, mem: append([]byte(nil), p[1:]...)}, nil
		}
	}
	return nil, exceptions.OSError.Errorf("bad ctypes object payload %q", p)
}

// def sizeof(obj_or_type)
func ctypesSizeof(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case *CType:
		return starlark.MakeInt(x.size), nil
	case *CValue:
		return starlark.MakeInt(len(x.mem)), nil
	case *CArray:
		return starlark.MakeInt(len(x.mem)), nil
	}
	return nil, exceptions.TypeError.New("this type has no size")
}
