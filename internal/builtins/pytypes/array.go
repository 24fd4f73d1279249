package pytypes

// The array module: Python's local typed array (array.array), usable
// wherever Python takes a buffer (send_bytes, recv_bytes_into). Items are
// stored as C values in a byte buffer, little-endian, with Python's
// OverflowError for values out of the C type's range.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/internal/pyquote"
)

// ArrayModule is the predeclared array module:
//
//	def array(typecode, initializer=None):
//	    # typecode: one of typecodes; initializer: a list or iterable of
//	    # items, bytes or a buffer (raw item bytes), a str (for 'u'), or an array
//	typecodes = "bBuhHiIlLqQfd"
//
// and the methods and attributes of an array, as Python's:
//
//	typecode, itemsize
//	def append(x)
//	def extend(iterable)
//	def fromlist(list)
//	def frombytes(buffer)
//	def tobytes()
//	def tolist()
//	def tounicode()
//	def insert(i, x)
//	def pop(i=-1)
//	def remove(x)
//	def index(x)
//	def count(x)
//	def reverse()
//	def byteswap()
//
// Arrays support len, indexing and assignment of items, slicing (a new
// array), iteration, `in`, comparison, + and *.
var ArrayModule = value.NewModule("array", func() starlark.StringDict {
	return starlark.StringDict{
		"array":     starlark.NewBuiltin("array.array", newTypedArray),
		"typecodes": starlark.String(typeCodeLetters),
	}
})

// typeCodeLetters lists the typecodes in Python's order.
const typeCodeLetters = "bBuhHiIlLqQfd"

// itemKind is how an array item is represented in Starlark.
type itemKind uint8

const (
	signedItem   itemKind = iota // int
	unsignedItem                 // int
	floatItem                    // float
	unicodeItem                  // a str of one character, stored as UTF-32
)

// TypeCode describes the C type behind an array typecode.
type TypeCode struct {
	code     byte
	size     int
	kind     itemKind
	min      int64  // for signedItem
	max      uint64 // for signed and unsigned items
	overMsg  string // CPython's OverflowError messages
	underMsg string
}

var typeCodes = []*TypeCode{
	{'b', 1, signedItem, math.MinInt8, math.MaxInt8, "signed char is greater than maximum", "signed char is less than minimum"},
	{'B', 1, unsignedItem, 0, math.MaxUint8, "unsigned byte integer is greater than maximum", "unsigned byte integer is less than minimum"},
	{'u', 4, unicodeItem, 0, 0, "", ""},
	{'h', 2, signedItem, math.MinInt16, math.MaxInt16, "signed short integer is greater than maximum", "signed short integer is less than minimum"},
	{'H', 2, unsignedItem, 0, math.MaxUint16, "unsigned short is greater than maximum", "unsigned short is less than minimum"},
	{'i', 4, signedItem, math.MinInt32, math.MaxInt32, "signed integer is greater than maximum", "signed integer is less than minimum"},
	{'I', 4, unsignedItem, 0, math.MaxUint32, "unsigned int is greater than maximum", "can't convert negative value to unsigned int"},
	{'l', 8, signedItem, math.MinInt64, math.MaxInt64, "Python int too large to convert to C long", "Python int too large to convert to C long"},
	{'L', 8, unsignedItem, 0, math.MaxUint64, "Python int too large to convert to C unsigned long", "can't convert negative value to unsigned int"},
	{'q', 8, signedItem, math.MinInt64, math.MaxInt64, "int too big to convert", "int too big to convert"},
	{'Q', 8, unsignedItem, 0, math.MaxUint64, "int too big to convert", "can't convert negative int to unsigned"},
	{'f', 4, floatItem, 0, 0, "", ""},
	{'d', 8, floatItem, 0, 0, "", ""},
}

// LookupTypeCode returns the typecode's description, or nil.
func LookupTypeCode(c byte) *TypeCode {
	for _, tc := range typeCodes {
		if tc.code == c {
			return tc
		}
	}
	return nil
}

// errBadTypeCode is CPython's error for an unknown typecode.
func errBadTypeCode() error {
	return exceptions.ValueError.Errorf("bad typecode (must be %s or %s)",
		strings.Join(strings.Split(typeCodeLetters[:len(typeCodeLetters)-1], ""), ", "), typeCodeLetters[len(typeCodeLetters)-1:])
}

// Load returns item i of buf.
func (tc *TypeCode) Load(buf []byte, i int) starlark.Value {
	p := buf[i*tc.size : (i+1)*tc.size]
	bits := loadBits(p)
	switch tc.kind {
	case signedItem:
		shift := 64 - 8*tc.size // sign-extend
		return starlark.MakeInt64(int64(bits<<shift) >> shift)
	case unsignedItem:
		return starlark.MakeUint64(bits)
	case floatItem:
		if tc.size == 4 {
			return starlark.Float(math.Float32frombits(uint32(bits)))
		}
		return starlark.Float(math.Float64frombits(bits))
	}
	return starlark.String(string(rune(bits)))
}

// loadBits reads a little-endian C value of len(p) bytes.
func loadBits(p []byte) uint64 {
	switch len(p) {
	case 1:
		return uint64(p[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(p))
	case 4:
		return uint64(binary.LittleEndian.Uint32(p))
	}
	return binary.LittleEndian.Uint64(p)
}

// appendItem converts v to the C type and appends it to buf.
func (tc *TypeCode) appendItem(buf []byte, v starlark.Value) ([]byte, error) {
	bits, err := tc.bits(v)
	if err != nil {
		return buf, err
	}
	switch tc.size {
	case 1:
		return append(buf, byte(bits)), nil
	case 2:
		return binary.LittleEndian.AppendUint16(buf, uint16(bits)), nil
	case 4:
		return binary.LittleEndian.AppendUint32(buf, uint32(bits)), nil
	}
	return binary.LittleEndian.AppendUint64(buf, bits), nil
}

// bits converts v to the bit pattern of the C type, with CPython's errors.
func (tc *TypeCode) bits(v starlark.Value) (uint64, error) {
	switch tc.kind {
	case floatItem:
		return tc.FloatBits(v)
	case unicodeItem:
		s, ok := v.(starlark.String)
		if !ok || utf8.RuneCountInString(string(s)) != 1 {
			return 0, exceptions.TypeError.New("array item must be unicode character")
		}
		r, _ := utf8.DecodeRuneInString(string(s))
		return uint64(r), nil
	}
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", TypeName(v))
	}
	if tc.kind == signedItem {
		n, ok := i.Int64()
		switch {
		case ok && n >= tc.min && n <= int64(tc.max):
			return uint64(n), nil
		case isNegative(i):
			return 0, exceptions.OverflowError.Errorf("%s", tc.underMsg)
		}
		return 0, exceptions.OverflowError.Errorf("%s", tc.overMsg)
	}
	if isNegative(i) {
		return 0, exceptions.OverflowError.Errorf("%s", tc.underMsg)
	}
	n, ok := i.Uint64()
	if !ok || n > tc.max {
		return 0, exceptions.OverflowError.Errorf("%s", tc.overMsg)
	}
	return n, nil
}

// isNegative reports whether i < 0.
func isNegative(i starlark.Int) bool {
	if n, ok := i.Int64(); ok {
		return n < 0
	}
	return i.BigInt().Sign() < 0
}

// FloatBits converts v to the bit pattern of the float type.
func (tc *TypeCode) FloatBits(v starlark.Value) (uint64, error) {
	var f float64
	switch x := v.(type) {
	case starlark.Float:
		f = float64(x)
	case starlark.Int:
		f = float64(x.Float())
		if math.IsInf(f, 0) {
			return 0, exceptions.OverflowError.New("int too large to convert to float")
		}
	default:
		return 0, exceptions.TypeError.Errorf("must be real number, not %s", TypeName(v))
	}
	if tc.size == 4 {
		return uint64(math.Float32bits(float32(f))), nil
	}
	return math.Float64bits(f), nil
}

// TypedArray is the array.array value.
type TypedArray struct {
	tc  *TypeCode
	buf []byte // len(buf) is a multiple of tc.size
	mutability
}

var (
	_ starlark.Sliceable   = (*TypedArray)(nil)
	_ starlark.HasSetIndex = (*TypedArray)(nil)
	_ starlark.Iterable    = (*TypedArray)(nil)
	_ starlark.Comparable  = (*TypedArray)(nil)
	_ starlark.HasAttrs    = (*TypedArray)(nil)
	_ starlark.HasBinary   = (*TypedArray)(nil)
	_ starlark.Container   = (*TypedArray)(nil)
	_ WritableBuffer       = (*TypedArray)(nil)
)

// NewTypedArray returns an array of the typecode that owns buf, the items'
// little-endian bytes.
func NewTypedArray(typecode byte, buf []byte) (*TypedArray, error) {
	tc := LookupTypeCode(typecode)
	if tc == nil {
		return nil, errBadTypeCode()
	}
	if len(buf)%tc.size != 0 {
		return nil, exceptions.ValueError.New("bytes length not a multiple of item size")
	}
	return &TypedArray{tc: tc, buf: buf}, nil
}

// TypeCode returns the array's typecode letter.
func (a *TypedArray) TypeCode() byte { return a.tc.code }

// def array(typecode, initializer=None)
func newTypedArray(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var code string
	var init starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &code, &init); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(code) != 1 {
		return nil, exceptions.TypeError.New("array() argument 1 must be a unicode character, not str")
	}
	a, err := NewTypedArray(code[0], nil)
	if err != nil {
		return nil, err
	}
	a.buf, err = a.initialBytes(init)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// initialBytes converts array()'s initializer to item bytes.
func (a *TypedArray) initialBytes(init starlark.Value) ([]byte, error) {
	switch x := init.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.String:
		if a.tc.kind != unicodeItem {
			return nil, exceptions.TypeError.Errorf("cannot use a str to initialize an array with typecode '%c'", a.tc.code)
		}
		return a.itemBytes(nil, StringChars(string(x)))
	case *TypedArray:
		if (x.tc.kind == unicodeItem) != (a.tc.kind == unicodeItem) {
			return nil, exceptions.TypeError.Errorf("cannot use a unicode array to initialize an array with typecode '%c'", a.tc.code)
		}
		return a.itemBytes(nil, x)
	}
	if raw, ok := BufferBytes(init); ok {
		return a.rawItems(nil, raw)
	}
	return a.itemBytes(nil, init)
}

// StringChars returns the characters of s as a list of one-character
// strings.
func StringChars(s string) *starlark.List {
	var chars []starlark.Value
	for _, r := range s {
		chars = append(chars, starlark.String(string(r)))
	}
	return starlark.NewList(chars)
}

// itemBytes appends the converted items of an iterable to buf.
func (a *TypedArray) itemBytes(buf []byte, items starlark.Value) ([]byte, error) {
	iterable, ok := items.(starlark.Iterable)
	if !ok {
		return nil, exceptions.TypeError.Errorf("'%s' object is not iterable", TypeName(items))
	}
	it := iterable.Iterate()
	defer it.Done()
	var v starlark.Value
	for it.Next(&v) {
		var err error
		if buf, err = a.tc.appendItem(buf, v); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// rawItems appends raw item bytes to buf, checking they are whole items.
func (a *TypedArray) rawItems(buf, raw []byte) ([]byte, error) {
	if len(raw)%a.tc.size != 0 {
		return nil, exceptions.ValueError.New("bytes length not a multiple of item size")
	}
	return append(buf, raw...), nil
}

// String is repr(a), as Python's: array('i', [1, 2]).
func (a *TypedArray) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "array('%c'", a.tc.code)
	n := a.Len()
	if n > 0 && a.tc.kind == unicodeItem {
		sb.WriteString(", ")
		sb.WriteString(pyquote.Str(a.unicode()))
	} else if n > 0 {
		sb.WriteString(", [")
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(Repr(a.Index(i)))
		}
		sb.WriteString("]")
	}
	sb.WriteString(")")
	return sb.String()
}

// Repr renders a number as Python's repr (Starlark writes +inf).
func Repr(v starlark.Value) string {
	if f, ok := v.(starlark.Float); ok && math.IsInf(float64(f), 0) {
		if f > 0 {
			return "inf"
		}
		return "-inf"
	}
	return v.String()
}

// unicode returns the characters of a 'u' array as a string.
func (a *TypedArray) unicode() string {
	var sb strings.Builder
	for i := 0; i < a.Len(); i++ {
		sb.WriteString(string(a.Index(i).(starlark.String)))
	}
	return sb.String()
}

// Type implements starlark.Value.
func (a *TypedArray) Type() string { return "array.array" }

// Freeze makes the array immutable, as Starlark freezes lists.
func (a *TypedArray) Freeze() { a.frozen = true }

// Truth is true for a non-empty array.
func (a *TypedArray) Truth() starlark.Bool { return len(a.buf) > 0 }

// Hash fails: arrays are mutable, as in Python.
func (a *TypedArray) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: array.array") }

// Len implements starlark.Indexable.
func (a *TypedArray) Len() int { return len(a.buf) / a.tc.size }

// Index implements starlark.Indexable.
func (a *TypedArray) Index(i int) starlark.Value { return a.tc.Load(a.buf, i) }

// Slice implements starlark.Sliceable: a slice is a new array.
func (a *TypedArray) Slice(start, end, step int) starlark.Value {
	return &TypedArray{tc: a.tc, buf: SliceBytes(a.buf, start, end, step, a.tc.size)}
}

// SetIndex implements a[i] = x.
func (a *TypedArray) SetIndex(i int, v starlark.Value) error {
	if err := a.checkMutable("assign to element of"); err != nil {
		return err
	}
	item, err := a.tc.appendItem(make([]byte, 0, 8), v)
	if err != nil {
		return err
	}
	copy(a.buf[i*a.tc.size:], item)
	return nil
}

// checkMutable refuses to change a frozen array or one being iterated.
func (a *TypedArray) checkMutable(verb string) error { return a.mutability.check("array.array", verb) }

// Iterate implements starlark.Iterable.
func (a *TypedArray) Iterate() starlark.Iterator { return a.iterate(a) }

// CompareSameType compares arrays item by item, as Python (typecodes may
// differ: array('i', [1]) == array('d', [1.0])).
func (a *TypedArray) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	b := y.(*TypedArray)
	n, m := a.Len(), b.Len()
	for i := 0; i < n && i < m; i++ {
		x, y := a.Index(i), b.Index(i)
		if eq, err := starlark.EqualDepth(x, y, depth-1); err != nil || !eq {
			if err != nil {
				return false, err
			}
			if op == syntax.EQL || op == syntax.NEQ {
				return op == syntax.NEQ, nil
			}
			return starlark.CompareDepth(op, x, y, depth-1)
		}
	}
	return threewayCompare(op, n-m)
}

// Has implements `x in a`.
func (a *TypedArray) Has(y starlark.Value) (bool, error) {
	i, err := a.find(y)
	return i >= 0, err
}

// find returns the index of the first item equal to y, or -1.
func (a *TypedArray) find(y starlark.Value) (int, error) {
	for i := 0; i < a.Len(); i++ {
		if eq, err := starlark.Equal(a.Index(i), y); err != nil || eq {
			return i, err
		}
	}
	return -1, nil
}

// Binary implements a + array (same typecode) and a * n.
func (a *TypedArray) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch op {
	case syntax.PLUS:
		b, ok := y.(*TypedArray)
		if !ok {
			return nil, nil
		}
		if b.tc != a.tc {
			return nil, exceptions.TypeError.New("bad argument type for built-in operation")
		}
		if side == starlark.Right {
			a, b = b, a
		}
		return &TypedArray{tc: a.tc, buf: append(append([]byte(nil), a.buf...), b.buf...)}, nil
	case syntax.STAR:
		k, ok, err := repeatCount(y, len(a.buf), "array")
		if !ok || err != nil {
			return nil, err
		}
		return &TypedArray{tc: a.tc, buf: bytes.Repeat(a.buf, k)}, nil
	}
	return nil, nil
}

// ReadableBytes implements ReadableBuffer.
func (a *TypedArray) ReadableBytes() []byte { return a.buf }

// WritableBytes implements WritableBuffer.
func (a *TypedArray) WritableBytes() ([]byte, error) {
	if err := a.checkMutable("write into"); err != nil {
		return nil, err
	}
	return a.buf, nil
}

var arrayMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"append":    starlark.NewBuiltin("append", arrayAppend),
		"byteswap":  starlark.NewBuiltin("byteswap", arrayByteswap),
		"count":     starlark.NewBuiltin("count", arrayCount),
		"extend":    starlark.NewBuiltin("extend", arrayExtend),
		"frombytes": starlark.NewBuiltin("frombytes", arrayFrombytes),
		"fromlist":  starlark.NewBuiltin("fromlist", arrayFromlist),
		"index":     starlark.NewBuiltin("index", arrayIndex),
		"insert":    starlark.NewBuiltin("insert", arrayInsert),
		"pop":       starlark.NewBuiltin("pop", arrayPop),
		"remove":    starlark.NewBuiltin("remove", arrayRemove),
		"reverse":   starlark.NewBuiltin("reverse", arrayReverse),
		"tobytes":   starlark.NewBuiltin("tobytes", arrayTobytes),
		"tolist":    starlark.NewBuiltin("tolist", arrayTolist),
		"tounicode": starlark.NewBuiltin("tounicode", arrayTounicode),
	}
})

// Attr implements starlark.HasAttrs.
func (a *TypedArray) Attr(name string) (starlark.Value, error) {
	switch name {
	case "typecode":
		return starlark.String(a.tc.code), nil
	case "itemsize":
		return starlark.MakeInt(a.tc.size), nil
	}
	return value.Attr(arrayMethods, a, name)
}

// AttrNames implements starlark.HasAttrs.
func (a *TypedArray) AttrNames() []string {
	return value.AttrNames(arrayMethods, "itemsize", "typecode")
}

// arrayMethod unpacks a method's positional arguments and returns its
// receiver, checked mutable when the method changes it.
var arrayMethod = sequenceMethod[*TypedArray]

// def append(x)
func arrayAppend(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, err
	}
	buf, err := a.tc.appendItem(a.buf, x)
	if err != nil {
		return nil, err
	}
	a.buf = buf
	return starlark.None, nil
}

// def extend(iterable)
func arrayExtend(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, err
	}
	if other, ok := x.(*TypedArray); ok {
		if other.tc != a.tc {
			return nil, exceptions.TypeError.New("can only extend with array of same kind")
		}
		a.buf = append(a.buf, other.buf...)
		return starlark.None, nil
	}
	return a.appendItems(x)
}

// appendItems converts all items first, so a failure leaves a unchanged.
func (a *TypedArray) appendItems(items starlark.Value) (starlark.Value, error) {
	more, err := a.itemBytes(nil, items)
	if err != nil {
		return nil, err
	}
	a.buf = append(a.buf, more...)
	return starlark.None, nil
}

// def fromlist(list)
func arrayFromlist(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, err
	}
	if _, ok := x.(*starlark.List); !ok {
		return nil, exceptions.TypeError.New("arg must be list")
	}
	return a.appendItems(x)
}

// def frombytes(buffer)
func arrayFrombytes(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, err
	}
	raw, ok := BufferBytes(x)
	if !ok {
		return nil, exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", TypeName(x))
	}
	buf, err := a.rawItems(a.buf, raw)
	if err != nil {
		return nil, err
	}
	a.buf = buf
	return starlark.None, nil
}

// def tobytes()
func arrayTobytes(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := arrayMethod(b, args, kwargs, false)
	if err != nil {
		return nil, err
	}
	return starlark.Bytes(a.buf), nil
}

// def tolist()
func arrayTolist(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := arrayMethod(b, args, kwargs, false)
	if err != nil {
		return nil, err
	}
	items := make([]starlark.Value, a.Len())
	for i := range items {
		items[i] = a.Index(i)
	}
	return starlark.NewList(items), nil
}

// def tounicode()
func arrayTounicode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := arrayMethod(b, args, kwargs, false)
	if err != nil {
		return nil, err
	}
	if a.tc.kind != unicodeItem {
		return nil, exceptions.ValueError.New("tounicode() may only be called on unicode type arrays")
	}
	return starlark.String(a.unicode()), nil
}

// def insert(i, x)
func arrayInsert(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var i int
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, true, &i, &x)
	if err != nil {
		return nil, err
	}
	item, err := a.tc.appendItem(nil, x)
	if err != nil {
		return nil, err
	}
	at := clampIndex(i, a.Len()) * a.tc.size
	a.buf = append(a.buf[:at], append(item, a.buf[at:]...)...)
	return starlark.None, nil
}

// def pop(i=-1)
func arrayPop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	i := -1
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &i); err != nil {
		return nil, err
	}
	a, err := arrayMethod(b, nil, nil, true)
	if err != nil {
		return nil, err
	}
	if i, err = popIndex(i, a.Len(), "array"); err != nil {
		return nil, err
	}
	v := a.Index(i)
	a.deleteItem(i)
	return v, nil
}

// deleteItem removes item i.
func (a *TypedArray) deleteItem(i int) {
	s := a.tc.size
	a.buf = append(a.buf[:i*s], a.buf[(i+1)*s:]...)
}

// def remove(x)
func arrayRemove(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, err
	}
	i, err := a.indexOf(b, x)
	if err != nil {
		return nil, err
	}
	a.deleteItem(i)
	return starlark.None, nil
}

// def index(x)
func arrayIndex(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, false, &x)
	if err != nil {
		return nil, err
	}
	i, err := a.indexOf(b, x)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(i), nil
}

// indexOf is the index of the first item equal to x, or the ValueError of
// the method b (index or remove) when there is none.
func (a *TypedArray) indexOf(b *starlark.Builtin, x starlark.Value) (int, error) {
	i, err := a.find(x)
	if err == nil && i < 0 {
		err = exceptions.ValueError.Errorf("array.%s(x): x not in array", b.Name())
	}
	return i, err
}

// def count(x)
func arrayCount(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	a, err := arrayMethod(b, args, kwargs, false, &x)
	if err != nil {
		return nil, err
	}
	count := 0
	for i := 0; i < a.Len(); i++ {
		eq, err := starlark.Equal(a.Index(i), x)
		if err != nil {
			return nil, err
		}
		if eq {
			count++
		}
	}
	return starlark.MakeInt(count), nil
}

// def reverse()
func arrayReverse(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := arrayMethod(b, args, kwargs, true)
	if err != nil {
		return nil, err
	}
	s, tmp := a.tc.size, make([]byte, a.tc.size)
	for i, j := 0, a.Len()-1; i < j; i, j = i+1, j-1 {
		copy(tmp, a.buf[i*s:])
		copy(a.buf[i*s:(i+1)*s], a.buf[j*s:])
		copy(a.buf[j*s:(j+1)*s], tmp)
	}
	return starlark.None, nil
}

// def byteswap()
func arrayByteswap(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := arrayMethod(b, args, kwargs, true)
	if err != nil {
		return nil, err
	}
	s := a.tc.size
	for at := 0; at < len(a.buf); at += s {
		item := a.buf[at : at+s]
		for i, j := 0, s-1; i < j; i, j = i+1, j-1 {
			item[i], item[j] = item[j], item[i]
		}
	}
	return starlark.None, nil
}
