package pytypes

// bytearray: Python's mutable byte buffer, usable wherever
// Python takes a buffer (send_bytes, recv_bytes_into). It is a plain local
// value: it freezes like a list and crosses processes by value.

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/internal/pyquote"
)

// BytearrayBuiltin is the predeclared bytearray constructor:
//
//	def bytearray(source=None, encoding=None, errors="strict"):
//	    # source: None (empty), an int n (n zero bytes), bytes or a buffer
//	    # (copied), a str (with encoding), or an iterable of ints in range(256)
//
// and the methods of its values, as Python's:
//
//	def append(x)
//	def extend(iterable_of_ints)
//	def insert(i, x)
//	def pop(i=-1)
//	def remove(x)
//	def reverse()
//	def clear()
//	def copy()
//	def decode(encoding="utf-8", errors="strict")
//	def hex(sep=None)
//
// Values support len, indexing and assignment of items, slicing (a new
// bytearray), iteration (ints), `in`, comparison, + and *, and bytes(ba).
var BytearrayBuiltin = starlark.NewBuiltin("bytearray", newBytearray)

// Bytearray is the bytearray value.
type Bytearray struct {
	buf []byte
	mutability
}

var (
	_ starlark.Sliceable   = (*Bytearray)(nil)
	_ starlark.HasSetIndex = (*Bytearray)(nil)
	_ starlark.Iterable    = (*Bytearray)(nil)
	_ starlark.Comparable  = (*Bytearray)(nil)
	_ starlark.HasAttrs    = (*Bytearray)(nil)
	_ starlark.HasBinary   = (*Bytearray)(nil)
	_ starlark.Container   = (*Bytearray)(nil)
	_ WritableBuffer       = (*Bytearray)(nil)
)

// NewBytearray returns a bytearray that owns b.
func NewBytearray(b []byte) *Bytearray { return &Bytearray{buf: b} }

func newBytearray(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var source starlark.Value = starlark.None
	var encoding, errs string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "source?", &source, "encoding?", &encoding, "errors?", &errs); err != nil {
		return nil, err
	}
	if s, ok := source.(starlark.String); ok {
		if encoding == "" {
			return nil, exceptions.TypeError.New("string argument without an encoding")
		}
		enc, err := encodeString(string(s), encoding)
		if err != nil {
			return nil, err
		}
		return NewBytearray(enc), nil
	}
	if encoding != "" || errs != "" {
		return nil, exceptions.TypeError.New("encoding or errors without a string argument")
	}
	buf, err := bytesFrom(source, "bytearray")
	if err != nil {
		return nil, err
	}
	return NewBytearray(buf), nil
}

// bytesFrom builds a fresh byte slice from what Python's bytearray() and
// extend() accept: None, a count, bytes, a buffer or an iterable of ints.
func bytesFrom(source starlark.Value, what string) ([]byte, error) {
	if b, ok := BufferBytes(source); ok {
		return append([]byte(nil), b...), nil
	}
	switch x := source.(type) {
	case starlark.NoneType:
		return []byte{}, nil
	case starlark.Int:
		n, ok := x.Int64()
		if !ok || n > 1<<40 {
			return nil, exceptions.OverflowError.New("cannot fit 'int' into an index-sized integer")
		}
		if n < 0 {
			return nil, exceptions.ValueError.New("negative count")
		}
		return make([]byte, n), nil
	case starlark.Iterable:
		var out []byte
		if s, ok := x.(starlark.Sequence); ok {
			out = make([]byte, 0, s.Len())
		}
		it := x.Iterate()
		defer it.Done()
		var v starlark.Value
		for it.Next(&v) {
			c, err := byteOf(v)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	return nil, exceptions.TypeError.Errorf("cannot convert '%s' object to %s", TypeName(source), what)
}

// byteOf converts a Starlark int to a byte with Python's errors.
func byteOf(v starlark.Value) (byte, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", TypeName(v))
	}
	n, ok := i.Int64()
	if !ok || n < 0 || n > 255 {
		return 0, exceptions.ValueError.New("byte must be in range(0, 256)")
	}
	return byte(n), nil
}

// encodeString implements str.encode for the encodings scripts use.
func encodeString(s, encoding string) ([]byte, error) {
	switch normEncoding(encoding) {
	case "utf-8":
		return []byte(s), nil
	case "ascii":
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return nil, exceptions.UnicodeEncodeError.Errorf("'ascii' codec can't encode character in position %d: ordinal not in range(128)", i)
			}
		}
		return []byte(s), nil
	case "latin-1":
		out := make([]byte, 0, len(s))
		for i, r := range s {
			if r > 0xff {
				return nil, exceptions.UnicodeEncodeError.Errorf("'latin-1' codec can't encode character in position %d: ordinal not in range(256)", i)
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
	return nil, exceptions.LookupError.Errorf("unknown encoding: %s", encoding)
}

// normEncoding folds the spellings of the encodings we know.
func normEncoding(e string) string {
	switch strings.ReplaceAll(strings.ToLower(e), "_", "-") {
	case "utf-8", "utf8":
		return "utf-8"
	case "ascii", "us-ascii":
		return "ascii"
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return "latin-1"
	}
	return e
}

// String is repr(ba), as Python's: bytearray(b'...').
func (ba *Bytearray) String() string { return "bytearray(" + pyquote.Bytes(ba.buf) + ")" }

// Type implements starlark.Value.
func (ba *Bytearray) Type() string { return "bytearray" }

// Freeze makes the bytearray immutable, as Starlark freezes lists.
func (ba *Bytearray) Freeze() { ba.frozen = true }

// Truth is true for a non-empty bytearray.
func (ba *Bytearray) Truth() starlark.Bool { return len(ba.buf) > 0 }

// Hash fails: bytearrays are mutable, as in Python.
func (ba *Bytearray) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: bytearray") }

// Len implements starlark.Indexable.
func (ba *Bytearray) Len() int { return len(ba.buf) }

// Index implements starlark.Indexable: items are ints.
func (ba *Bytearray) Index(i int) starlark.Value { return starlark.MakeInt(int(ba.buf[i])) }

// Slice implements starlark.Sliceable: a slice is a new bytearray.
func (ba *Bytearray) Slice(start, end, step int) starlark.Value {
	return NewBytearray(SliceBytes(ba.buf, start, end, step, 1))
}

// SliceBytes copies the items [start:end:step] of a buffer of items of
// the given size.
func SliceBytes(buf []byte, start, end, step, size int) []byte {
	if step == 1 {
		return append([]byte(nil), buf[start*size:end*size]...)
	}
	var out []byte
	for i := start; (step > 0 && i < end) || (step < 0 && i > end); i += step {
		out = append(out, buf[i*size:(i+1)*size]...)
	}
	return out
}

// SetIndex implements ba[i] = x.
func (ba *Bytearray) SetIndex(i int, v starlark.Value) error {
	if err := ba.checkMutable("assign to element of"); err != nil {
		return err
	}
	c, err := byteOf(v)
	if err != nil {
		return err
	}
	ba.buf[i] = c
	return nil
}

// checkMutable refuses to change a frozen bytearray or one being iterated.
func (ba *Bytearray) checkMutable(verb string) error { return ba.mutability.check("bytearray", verb) }

// Iterate implements starlark.Iterable; bytes(ba) uses it.
func (ba *Bytearray) Iterate() starlark.Iterator { return ba.iterate(ba) }

// CompareSameType compares bytearrays lexicographically, as Python.
func (ba *Bytearray) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	return threewayCompare(op, bytes.Compare(ba.buf, y.(*Bytearray).buf))
}

// threewayCompare applies a comparison operator to the result of a
// three-way comparison.
func threewayCompare(op syntax.Token, c int) (bool, error) {
	switch op {
	case syntax.EQL:
		return c == 0, nil
	case syntax.NEQ:
		return c != 0, nil
	case syntax.LT:
		return c < 0, nil
	case syntax.LE:
		return c <= 0, nil
	case syntax.GT:
		return c > 0, nil
	case syntax.GE:
		return c >= 0, nil
	}
	return false, fmt.Errorf("unsupported comparison %s", op)
}

// Has implements `x in ba`: an int byte or a bytes-like subsequence.
func (ba *Bytearray) Has(y starlark.Value) (bool, error) {
	if b, ok := BufferBytes(y); ok {
		return bytes.Contains(ba.buf, b), nil
	}
	if _, ok := y.(starlark.Int); !ok {
		return false, exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", TypeName(y))
	}
	c, err := byteOf(y)
	if err != nil {
		return false, err
	}
	return bytes.IndexByte(ba.buf, c) >= 0, nil
}

// Binary implements ba + bytes-like and ba * n.
func (ba *Bytearray) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch op {
	case syntax.PLUS:
		other, ok := BufferBytes(y)
		if !ok {
			return nil, nil
		}
		if side == starlark.Left {
			return NewBytearray(append(append([]byte(nil), ba.buf...), other...)), nil
		}
		return NewBytearray(append(append([]byte(nil), other...), ba.buf...)), nil
	case syntax.STAR:
		k, ok, err := repeatCount(y, len(ba.buf), "bytearray")
		if !ok || err != nil {
			return nil, err
		}
		return NewBytearray(bytes.Repeat(ba.buf, k)), nil
	}
	return nil, nil
}

// ReadableBytes implements ReadableBuffer.
func (ba *Bytearray) ReadableBytes() []byte { return ba.buf }

// WritableBytes implements WritableBuffer.
func (ba *Bytearray) WritableBytes() ([]byte, error) {
	if err := ba.checkMutable("write into"); err != nil {
		return nil, err
	}
	return ba.buf, nil
}

var bytearrayMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"append":  starlark.NewBuiltin("append", bytearrayAppend),
		"clear":   starlark.NewBuiltin("clear", bytearrayClear),
		"copy":    starlark.NewBuiltin("copy", bytearrayCopy),
		"decode":  starlark.NewBuiltin("decode", bytearrayDecode),
		"extend":  starlark.NewBuiltin("extend", bytearrayExtend),
		"hex":     starlark.NewBuiltin("hex", bytearrayHex),
		"insert":  starlark.NewBuiltin("insert", bytearrayInsert),
		"pop":     starlark.NewBuiltin("pop", bytearrayPop),
		"remove":  starlark.NewBuiltin("remove", bytearrayRemove),
		"reverse": starlark.NewBuiltin("reverse", bytearrayReverse),
	}
})

// Attr implements starlark.HasAttrs.
func (ba *Bytearray) Attr(name string) (starlark.Value, error) {
	return value.Attr(bytearrayMethods, ba, name)
}

// AttrNames implements starlark.HasAttrs.
func (ba *Bytearray) AttrNames() []string { return value.AttrNames(bytearrayMethods) }

// bytearrayMethod unpacks a method's positional arguments and returns its
// receiver, checked mutable when the method changes it.
var bytearrayMethod = sequenceMethod[*Bytearray]

// bytearrayByteMethod unpacks the one argument, a byte, of a method that
// changes its receiver, and returns the receiver, checked mutable.
func bytearrayByteMethod(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*Bytearray, byte, error) {
	var x starlark.Value
	ba, err := bytearrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, 0, err
	}
	c, err := byteOf(x)
	return ba, c, err
}

// def append(x)
func bytearrayAppend(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ba, c, err := bytearrayByteMethod(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	ba.buf = append(ba.buf, c)
	return starlark.None, nil
}

// def extend(iterable_of_ints)
func bytearrayExtend(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	ba, err := bytearrayMethod(b, args, kwargs, true, &x)
	if err != nil {
		return nil, err
	}
	if _, ok := x.(starlark.Int); ok {
		return nil, exceptions.TypeError.New("can't extend bytearray with int")
	}
	more, err := bytesFrom(x, "bytearray")
	if err != nil {
		return nil, err
	}
	ba.buf = append(ba.buf, more...)
	return starlark.None, nil
}

// def insert(i, x)
func bytearrayInsert(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var i int
	var x starlark.Value
	ba, err := bytearrayMethod(b, args, kwargs, true, &i, &x)
	if err != nil {
		return nil, err
	}
	c, err := byteOf(x)
	if err != nil {
		return nil, err
	}
	i = clampIndex(i, len(ba.buf))
	ba.buf = append(ba.buf, 0)
	copy(ba.buf[i+1:], ba.buf[i:])
	ba.buf[i] = c
	return starlark.None, nil
}

// clampIndex resolves an insertion index as Python's list.insert does.
func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

// def pop(i=-1)
func bytearrayPop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	i := -1
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &i); err != nil {
		return nil, err
	}
	ba, err := bytearrayMethod(b, nil, nil, true)
	if err != nil {
		return nil, err
	}
	if i, err = popIndex(i, len(ba.buf), "bytearray"); err != nil {
		return nil, err
	}
	c := ba.buf[i]
	ba.buf = append(ba.buf[:i], ba.buf[i+1:]...)
	return starlark.MakeInt(int(c)), nil
}

// def remove(x)
func bytearrayRemove(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ba, c, err := bytearrayByteMethod(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	i := bytes.IndexByte(ba.buf, c)
	if i < 0 {
		return nil, exceptions.ValueError.New("value not found in bytearray")
	}
	ba.buf = append(ba.buf[:i], ba.buf[i+1:]...)
	return starlark.None, nil
}

// def reverse()
func bytearrayReverse(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ba, err := bytearrayMethod(b, args, kwargs, true)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(ba.buf)-1; i < j; i, j = i+1, j-1 {
		ba.buf[i], ba.buf[j] = ba.buf[j], ba.buf[i]
	}
	return starlark.None, nil
}

// def clear()
func bytearrayClear(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ba, err := bytearrayMethod(b, args, kwargs, true)
	if err != nil {
		return nil, err
	}
	ba.buf = ba.buf[:0]
	return starlark.None, nil
}

// def copy()
func bytearrayCopy(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	ba, err := bytearrayMethod(b, args, kwargs, false)
	if err != nil {
		return nil, err
	}
	return NewBytearray(append([]byte{}, ba.buf...)), nil
}

// def decode(encoding="utf-8", errors="strict")
func bytearrayDecode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	encoding, errs := "utf-8", "strict"
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "encoding?", &encoding, "errors?", &errs); err != nil {
		return nil, err
	}
	s, err := decodeBytes(b.Receiver().(*Bytearray).buf, encoding, errs)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

// decodeBytes implements bytes.decode for the encodings scripts use, with
// Python's "strict", "replace" and "ignore" error handlers.
func decodeBytes(buf []byte, encoding, errs string) (string, error) {
	enc := normEncoding(encoding)
	if enc != "utf-8" && enc != "ascii" && enc != "latin-1" {
		return "", exceptions.LookupError.Errorf("unknown encoding: %s", encoding)
	}
	var sb strings.Builder
	for i := 0; i < len(buf); {
		r, n := decodeRune(buf[i:], enc)
		if r == utf8.RuneError && n <= 1 {
			switch errs {
			case "strict":
				return "", exceptions.UnicodeDecodeError.Errorf("'%s' codec can't decode byte 0x%02x in position %d", enc, buf[i], i)
			case "replace":
				sb.WriteRune(utf8.RuneError)
			case "ignore":
			default:
				return "", exceptions.LookupError.Errorf("unknown error handler name '%s'", errs)
			}
			i++
			continue
		}
		sb.WriteRune(r)
		i += n
	}
	return sb.String(), nil
}

// decodeRune decodes one character of buf in a known encoding; RuneError
// with width 1 marks an invalid byte.
func decodeRune(buf []byte, enc string) (rune, int) {
	switch enc {
	case "ascii":
		if buf[0] >= 0x80 {
			return utf8.RuneError, 1
		}
		return rune(buf[0]), 1
	case "latin-1":
		return rune(buf[0]), 1
	}
	r, n := utf8.DecodeRune(buf)
	if r == utf8.RuneError && n == 3 {
		return r, 3 // a literal U+FFFD in the input is valid
	}
	return r, n
}

// def hex(sep=None)
func bytearrayHex(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var sep string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sep?", &sep); err != nil {
		return nil, err
	}
	buf := b.Receiver().(*Bytearray).buf
	if sep == "" {
		return starlark.String(hex.EncodeToString(buf)), nil
	}
	if utf8.RuneCountInString(sep) != 1 {
		return nil, exceptions.ValueError.New("sep must be length 1.")
	}
	parts := make([]string, len(buf))
	for i, c := range buf {
		parts[i] = hex.EncodeToString([]byte{c})
	}
	return starlark.String(strings.Join(parts, sep)), nil
}
