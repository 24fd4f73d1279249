package builtins

// The codec: Starlark values <-> the msgpack payloads that cross process
// boundaries (docs/scripts.md, "What crosses a process boundary"). It plays
// the part of pickle in CPython's multiprocessing (reduction.py), without
// ever running code on decode: functions and builtins cross by name,
// runtime objects by handle.
//
// A payload is CodecVersion followed by one standard msgpack object. None,
// bool, int, float, str, bytes, list and dict use msgpack's own types (str
// carries arbitrary bytes, so non-UTF-8 strings round-trip; dicts keep
// their order); everything else is a msgpack ext whose data is described at
// the ext codes below; PROTOCOL.md beside this file is the byte format in
// full, for writers of other decoders. The encoder appends to a caller's buffer and the
// decoder walks a cursor, so the hot path (a small tuple through a Queue)
// costs a few hundred nanoseconds and almost no allocation.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5/msgpcode"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// CodecVersion is the first byte of every payload. A peer that sees
// another version refuses the message instead of misreading it.
const CodecVersion byte = 1

// maxDepth bounds nesting, which is how the encoder detects a value that
// contains itself and how the decoder refuses hostile nesting.
const maxDepth = 1000

// The msgpack ext type codes. Each ext's data is one or more msgpack
// objects, or raw bytes where said.
const (
	extBigInt      int8 = 1  // raw: sign byte (0 or 1), then the big-endian magnitude
	extTuple       int8 = 2  // array of items
	extSet         int8 = 3  // array of items, in order
	extStruct      int8 = 4  // constructor value, then map of field name to value
	extFunction    int8 = 5  // str filename, str global name
	extPredeclared int8 = 6  // raw: the dotted name of a predeclared value ("len", "math.sqrt")
	extMethod      int8 = 7  // receiver value, str method name
	extError       int8 = 8  // str type, str message, tuple args, str traceback
	extBytearray   int8 = 9  // raw: the bytes
	extArray       int8 = 10 // raw: the typecode letter, then the items' little-endian bytes
	extShared      int8 = 11 // str kind, bin handle payload (see Shareable)
)

// EncodeError is the error for a value that cannot be sent. Path locates
// the bad part from the root the caller named: args[1]["k"][3].
type EncodeError struct {
	Path   string
	Reason string
	Err    error // the cause, when a Shareable refused to be shared
}

// Error returns "path: reason".
func (e *EncodeError) Error() string { return e.Path + ": " + e.Reason }

// Unwrap returns the cause, so a Shareable's *PyError keeps its type.
func (e *EncodeError) Unwrap() error { return e.Err }

// VersionError is the error for a payload of another codec version.
type VersionError struct{ Version byte }

// Error names the version and the likely cause.
func (e *VersionError) Error() string {
	return fmt.Sprintf("unsupported message version %d; the peer runs a different mpstar", e.Version)
}

// DecodeError is the error for a malformed payload.
type DecodeError struct {
	Offset int // byte offset in the payload where decoding failed
	Reason string
}

// Error locates the fault in the payload.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("malformed message at byte %d: %s", e.Offset, e.Reason)
}

// Encoder turns values into payloads. The zero value encodes plain data;
// runtime objects need Share, and builtins other than starlark.Universe's
// need Predeclared.
type Encoder struct {
	// Share is offered to Shareable values; nil means no descriptors can
	// be carried.
	Share *ShareContext
	// Predeclared is where builtins (and other predeclared values) are
	// found by identity, so they can cross by name.
	Predeclared starlark.StringDict
}

// Encode returns the payload for v. An unsendable part is reported with a
// path from "value".
func Encode(v starlark.Value, sc *ShareContext) ([]byte, error) {
	return EncodeNamed("value", v, sc)
}

// EncodeNamed is Encode with the root of error paths named by the caller
// ("args", "obj").
func EncodeNamed(root string, v starlark.Value, sc *ShareContext) ([]byte, error) {
	e := Encoder{Share: sc}
	return e.Append(make([]byte, 0, 64), root, v)
}

// AppendEncode appends the payload for v to dst.
func AppendEncode(dst []byte, v starlark.Value, sc *ShareContext) ([]byte, error) {
	e := Encoder{Share: sc}
	return e.Append(dst, "value", v)
}

// Append appends the payload for v to dst; on error dst is returned
// unchanged with an *EncodeError whose path starts at root.
func (e *Encoder) Append(dst []byte, root string, v starlark.Value) ([]byte, error) {
	return e.AppendWrapped(dst, root, v, 0)
}

// AppendWrapped is Append for a value whose outer wrappers levels are the
// channel's own, not the user's (a manager call's (args, kwargs)): they
// do not count against the nesting limit, so a user's value may nest as
// deep here as on any other channel. DecodeWrapped reads it.
func (e *Encoder) AppendWrapped(dst []byte, root string, v starlark.Value, wrappers int) ([]byte, error) {
	start := len(dst)
	out, f := e.value(append(dst, CodecVersion), v, -wrappers)
	if f != nil {
		return dst[:start], f.encodeError(root)
	}
	return out, nil
}

// failure is an encoding failure on its way up to the root: each
// container level adds the path segment and value through which it was
// reached. Building it only on failure keeps the success path free of
// bookkeeping.
type failure struct {
	reason  string
	err     error
	tooDeep bool
	segs    []string         // path segments, leaf first
	via     []starlark.Value // the container of each segment, leaf first
}

// at records that the failure was reached through container c by seg.
func (f *failure) at(c starlark.Value, seg string) *failure {
	f.segs = append(f.segs, seg)
	f.via = append(f.via, c)
	return f
}

// encodeError builds the user-facing error. For nesting too deep it looks
// for the first container met twice on the path: a value containing
// itself, reported where the cycle closes.
func (f *failure) encodeError(root string) *EncodeError {
	n := len(f.segs)
	end, reason := n, f.reason
	if f.tooDeep {
		end, reason = n, fmt.Sprintf("cannot send a value nested more than %d levels deep", maxDepth)
		if j, c := firstRepeat(f.via); j >= 0 {
			end, reason = j, fmt.Sprintf("cannot send a %s that contains itself", c.Type())
		}
	}
	var sb strings.Builder
	sb.WriteString(root)
	for i := 0; i < end; i++ {
		sb.WriteString(f.segs[n-1-i])
	}
	return &EncodeError{Path: sb.String(), Reason: reason, Err: f.err}
}

// firstRepeat returns the root-first index of the first mutable container
// on a leaf-first path that was already met nearer the root, and it.
func firstRepeat(leafFirst []starlark.Value) (int, starlark.Value) {
	seen := map[starlark.Value]bool{}
	for i := len(leafFirst) - 1; i >= 0; i-- {
		c := leafFirst[i]
		switch c.(type) {
		case *starlark.List, *starlark.Dict, *starlark.Set:
			if seen[c] {
				return len(leafFirst) - 1 - i, c
			}
			seen[c] = true
		}
	}
	return -1, nil
}

// fail starts a failure.
func fail(format string, args ...any) *failure {
	return &failure{reason: fmt.Sprintf(format, args...)}
}

// value appends the msgpack encoding of v.
func (e *Encoder) value(b []byte, v starlark.Value, depth int) ([]byte, *failure) {
	switch x := v.(type) {
	case starlark.Int:
		return appendInt(b, x), nil
	case starlark.String:
		return appendStr(b, msgpcode.FixedStrLow, msgpcode.Str8, msgpcode.Str16, msgpcode.Str32, string(x)), nil
	case starlark.NoneType:
		return append(b, msgpcode.Nil), nil
	case starlark.Bool:
		if x {
			return append(b, msgpcode.True), nil
		}
		return append(b, msgpcode.False), nil
	case starlark.Float:
		return binary.BigEndian.AppendUint64(append(b, msgpcode.Double), math.Float64bits(float64(x))), nil
	case starlark.Bytes:
		return appendStr(b, 0, msgpcode.Bin8, msgpcode.Bin16, msgpcode.Bin32, string(x)), nil
	}
	if depth >= maxDepth {
		return b, &failure{tooDeep: true}
	}
	depth++
	switch x := v.(type) {
	case starlark.Tuple:
		return e.tuple(b, x, depth)
	case *starlark.List:
		return e.list(b, x, depth)
	case *starlark.Dict:
		return e.dict(b, x, depth)
	case *starlark.Set:
		return e.set(b, x, depth)
	case *starlarkstruct.Struct:
		return e.structValue(b, x, depth)
	case *starlark.Function:
		return appendFunction(b, x)
	case *starlark.Builtin:
		return e.builtin(b, x, depth)
	case *ErrorValue:
		return e.errorValue(b, x, depth)
	case *pytypes.Bytearray:
		return appendRawExt(b, extBytearray, "", x.ReadableBytes()), nil
	case *pytypes.TypedArray:
		return appendRawExt(b, extArray, string(x.TypeCode()), x.ReadableBytes()), nil
	case Shareable:
		return e.shared(b, x)
	case *exceptions.Type:
		return e.predeclared(b, x)
	case *starlarkstruct.Module:
		return b, failModule(x.Name)
	case *value.Module:
		return b, failModule(x.Name())
	case nil:
		return b, fail("cannot send a Go nil value (a bug in the caller: Starlark's None is starlark.None)")
	}
	return b, fail("cannot send a value of type %s: only None, bool, int, float, str, bytes, list, tuple, dict, set, struct, "+
		"bytearray, array, error values, top-level functions, builtins and multiprocessing objects can be sent", v.Type())
}

// failModule is the error for sending a module.
func failModule(name string) *failure {
	return fail("cannot send module %s: modules exist in every process; send the values it holds instead", name)
}

// appendInt encodes an int in msgpack's smallest form, or as extBigInt
// beyond 64 bits.
func appendInt(b []byte, x starlark.Int) []byte {
	if n, ok := x.Int64(); ok {
		return appendInt64(b, n)
	}
	if u, ok := x.Uint64(); ok {
		return binary.BigEndian.AppendUint64(append(b, msgpcode.Uint64), u)
	}
	bi := x.BigInt()
	sign := byte(0)
	if bi.Sign() < 0 {
		sign = 1
	}
	return appendRawExt(b, extBigInt, string(sign), bi.Bytes())
}

func appendInt64(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= int64(msgpcode.PosFixedNumHigh):
		return append(b, byte(n))
	case n < 0 && n >= -32:
		return append(b, byte(int8(n)))
	case n >= 0 && n <= math.MaxUint8:
		return append(b, msgpcode.Uint8, byte(n))
	case n >= 0 && n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, msgpcode.Uint16), uint16(n))
	case n >= 0 && n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, msgpcode.Uint32), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, msgpcode.Uint64), uint64(n))
	case n >= math.MinInt8:
		return append(b, msgpcode.Int8, byte(n))
	case n >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, msgpcode.Int16), uint16(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, msgpcode.Int32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, msgpcode.Int64), uint64(n))
}

// appendStr encodes s as a str (fix != 0) or bin.
func appendStr(b []byte, fix, c8, c16, c32 byte, s string) []byte {
	n := len(s)
	switch {
	case fix != 0 && n <= 31:
		b = append(b, fix|byte(n))
	case n <= math.MaxUint8:
		b = append(b, c8, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, c16), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, c32), uint32(n))
	}
	return append(b, s...)
}

func appendString(b []byte, s string) []byte {
	return appendStr(b, msgpcode.FixedStrLow, msgpcode.Str8, msgpcode.Str16, msgpcode.Str32, s)
}

func appendArrayHeader(b []byte, n int) []byte {
	return appendCount(b, msgpcode.FixedArrayLow, msgpcode.Array16, msgpcode.Array32, n)
}

func appendMapHeader(b []byte, n int) []byte {
	return appendCount(b, msgpcode.FixedMapLow, msgpcode.Map16, msgpcode.Map32, n)
}

func appendCount(b []byte, fix, c16, c32 byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, c16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, c32), uint32(n))
}

// extHeaderMax is the size of the ext32 header beginExt reserves.
const extHeaderMax = 6

// beginExt reserves an ext header for data of a length not known yet;
// endExt fills it in.
func beginExt(b []byte) []byte { return append(b, msgpcode.Ext32, 0, 0, 0, 0, 0) }

// endExt completes the ext begun at mark (len(b) before beginExt). Short
// data is moved down to use the 3-byte ext8 header, so small tuples cost
// what a msgpack array would.
func endExt(b []byte, mark int, typ int8) []byte {
	data := mark + extHeaderMax
	n := len(b) - data
	if n <= math.MaxUint8 {
		b[mark], b[mark+1], b[mark+2] = msgpcode.Ext8, byte(n), byte(typ)
		copy(b[mark+3:], b[data:])
		return b[:len(b)-3]
	}
	b[mark] = msgpcode.Ext32
	binary.BigEndian.PutUint32(b[mark+1:], uint32(n))
	b[mark+5] = byte(typ)
	return b
}

// appendRawExt appends an ext whose data is prefix followed by raw.
func appendRawExt(b []byte, typ int8, prefix string, raw []byte) []byte {
	n := len(prefix) + len(raw)
	switch {
	case n <= math.MaxUint8:
		b = append(b, msgpcode.Ext8, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, msgpcode.Ext16), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, msgpcode.Ext32), uint32(n))
	}
	b = append(b, byte(typ))
	b = append(b, prefix...)
	return append(b, raw...)
}

// tuple encodes a tuple. Its failures record no container: a tuple
// cannot contain itself except through a list, which is recorded.
func (e *Encoder) tuple(b []byte, t starlark.Tuple, depth int) ([]byte, *failure) {
	mark := len(b)
	b = appendArrayHeader(beginExt(b), len(t))
	for i, v := range t {
		var f *failure
		if b, f = e.value(b, v, depth); f != nil {
			return b, f.at(nil, "["+strconv.Itoa(i)+"]")
		}
	}
	return endExt(b, mark, extTuple), nil
}

func (e *Encoder) list(b []byte, l *starlark.List, depth int) ([]byte, *failure) {
	n := l.Len()
	b = appendArrayHeader(b, n)
	for i := 0; i < n; i++ {
		var f *failure
		if b, f = e.value(b, l.Index(i), depth); f != nil {
			return b, f.at(l, "["+strconv.Itoa(i)+"]")
		}
	}
	return b, nil
}

// dict encodes a dict in its order. (It uses Items rather than Entries:
// the closure of a range-over-func loop would move the Encoder to the heap
// on every call.)
func (e *Encoder) dict(b []byte, d *starlark.Dict, depth int) ([]byte, *failure) {
	b = appendMapHeader(b, d.Len())
	for _, kv := range d.Items() {
		k, v := kv[0], kv[1]
		var f *failure
		if b, f = e.value(b, k, depth); f != nil {
			f.reason = "dict key: " + f.reason
			return b, f.at(d, "["+k.String()+"]")
		}
		if b, f = e.value(b, v, depth); f != nil {
			return b, f.at(d, "["+k.String()+"]")
		}
	}
	return b, nil
}

func (e *Encoder) set(b []byte, s *starlark.Set, depth int) ([]byte, *failure) {
	mark := len(b)
	b = appendArrayHeader(beginExt(b), s.Len())
	it := s.Iterate()
	defer it.Done()
	var v starlark.Value
	for i := 0; it.Next(&v); i++ {
		var f *failure
		if b, f = e.value(b, v, depth); f != nil {
			return b, f.at(s, "{item "+strconv.Itoa(i)+"}")
		}
	}
	return endExt(b, mark, extSet), nil
}

func (e *Encoder) structValue(b []byte, s *starlarkstruct.Struct, depth int) ([]byte, *failure) {
	mark := len(b)
	b, f := e.value(beginExt(b), s.Constructor(), depth)
	if f != nil {
		return b, f.at(s, ".<constructor>")
	}
	b = appendMapHeader(b, s.Len())
	for i := 0; i < s.Len(); i++ {
		name, v := s.AttrAt(i)
		b = appendString(b, name)
		if b, f = e.value(b, v, depth); f != nil {
			return b, f.at(s, "."+name)
		}
	}
	return endExt(b, mark, extStruct), nil
}

func (e *Encoder) errorValue(b []byte, x *ErrorValue, depth int) ([]byte, *failure) {
	mark := len(b)
	b = appendString(appendString(beginExt(b), x.typ.Name()), x.msg)
	b, f := e.value(b, x.args, depth)
	if f != nil {
		return b, f.at(x, ".args")
	}
	return endExt(appendString(b, x.traceback), mark, extError), nil
}

func (e *Encoder) shared(b []byte, x Shareable) ([]byte, *failure) {
	sc := e.Share
	if sc == nil {
		sc = &ShareContext{}
	}
	payload, err := x.Share(sc)
	if err != nil {
		return b, &failure{reason: err.Error(), err: err}
	}
	mark := len(b)
	b = appendString(beginExt(b), x.ShareKind())
	b = appendStr(b, 0, msgpcode.Bin8, msgpcode.Bin16, msgpcode.Bin32, string(payload))
	return endExt(b, mark, extShared), nil
}

// builtin encodes a method bound to a sendable receiver as (receiver,
// name), and any other builtin by its predeclared name.
func (e *Encoder) builtin(b []byte, x *starlark.Builtin, depth int) ([]byte, *failure) {
	recv := x.Receiver()
	if recv == nil {
		return e.predeclared(b, x)
	}
	mark := len(b)
	b, f := e.value(beginExt(b), recv, depth)
	if f != nil {
		if f.segs == nil {
			f.reason = fmt.Sprintf("cannot send method %s: its object cannot be sent: %s", x.Name(), f.reason)
		}
		return b, f.at(x, ".__self__")
	}
	name := x.Name() // a qualified name ("Queue.put") is looked up by its last part
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return endExt(appendString(b, name), mark, extMethod), nil
}

// predeclaredNames caches the dotted name under which a predeclared value
// was found, keyed by the value (a *starlark.Builtin or *exceptions.Type).
var predeclaredNames sync.Map

// predeclared encodes a value found by identity among the predeclared
// names, or one level into a predeclared module ("math.sqrt").
func (e *Encoder) predeclared(b []byte, v starlark.Value) ([]byte, *failure) {
	name, ok := predeclaredNames.Load(v)
	if !ok {
		found := findPredeclared(v, e.Predeclared)
		if found == "" {
			found = findPredeclared(v, starlark.Universe)
		}
		if found == "" {
			return b, fail("cannot send %s: it is not a predeclared name or a member of a predeclared module", v.String())
		}
		name, _ = predeclaredNames.LoadOrStore(v, found)
	}
	return appendRawExt(b, extPredeclared, name.(string), nil), nil
}

// findPredeclared returns the dotted name of v in env, or "": a name of
// env, or a member of a predeclared module, at any depth
// ("multiprocessing.pool.Pool"). v is a pointer type, so comparing it with
// any value is safe.
func findPredeclared(v starlark.Value, env starlark.StringDict) string {
	var names []string
	var walk func(prefix string, members starlark.StringDict, depth int)
	walk = func(prefix string, members starlark.StringDict, depth int) {
		for name, x := range members {
			if x == v {
				names = append(names, prefix+name)
			}
			if m, ok := value.ModuleMembers(x); ok && depth < 3 {
				walk(prefix+name+".", m, depth+1)
			}
		}
	}
	walk("", env, 0)
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names) // deterministic when a value has several names
	return names[0]
}

// functionNames caches the global name bound to a top-level function:
// fn.Globals() builds a new dict on every call, too slow for every send.
// Only successes are cached, so the map grows with the script's top-level
// bindings, not with closures made at run time.
var functionNames sync.Map // *starlark.Function -> string

// appendFunction encodes a function by the global name it is bound to in
// its module.
func appendFunction(b []byte, fn *starlark.Function) ([]byte, *failure) {
	name, ok := functionNames.Load(fn)
	if !ok {
		found, f := globalName(fn)
		if f != nil {
			return b, f
		}
		name, _ = functionNames.LoadOrStore(fn, found)
	}
	mark := len(b)
	b = appendString(appendString(beginExt(b), fn.Position().Filename()), name.(string))
	return endExt(b, mark, extFunction), nil
}

// globalName returns the name fn crosses by: the name of a def written at
// the top level of its module, or the global a lambda written there is
// bound to. A function made by a call (a closure) has no such name, even
// when a global holds it: the receiver would find its own global of that
// name, which holds something else.
func globalName(fn *starlark.Function) (string, *failure) {
	top, known := definedAtTopLevel(fn)
	if known && !top || !known && fn.NumFreeVars() > 0 {
		return "", fail("cannot send a function defined inside another function (%s); define it with def at the top level of the script", describeFunction(fn))
	}
	globals := fn.Globals()
	if fn.Name() == "lambda" {
		var names []string
		for name, v := range globals {
			if v == starlark.Value(fn) {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return "", fail("cannot send a lambda that is not bound to a top-level name; define it with def at the top level")
		}
		sort.Strings(names)
		return names[0], nil
	}
	if v, ok := globals[fn.Name()]; ok && v == starlark.Value(fn) {
		return fn.Name(), nil
	}
	if !known { // most likely made by a call
		return "", fail("cannot send a function defined inside another function (%s); define it with def at the top level of the script", describeFunction(fn))
	}
	return "", fail("cannot send function %s: the global %q no longer holds it, so another process would find a different value by that name", describeFunction(fn), fn.Name())
}

// describeFunction names fn and where it was defined, for errors.
func describeFunction(fn *starlark.Function) string {
	pos := fn.Position()
	return fmt.Sprintf("%s, defined at %s:%d", fn.Name(), pos.Filename(), pos.Line)
}

// DecodeContext is what the decoder needs to rebuild values that are not
// plain data.
type DecodeContext struct {
	// Unshare is offered to the decoders of runtime objects.
	Unshare UnshareContext
	// Resolve finds a global of the module executed from file, for
	// functions that cross by name. Nil refuses functions.
	Resolve func(file, name string) (starlark.Value, error)
	// Predeclared is where builtins that cross by name are looked up,
	// before starlark.Universe.
	Predeclared starlark.StringDict
}

// Decode returns the value of a payload made by Encode. It never runs
// Starlark code; malformed input is an error (*DecodeError, *VersionError,
// or the error of a resolver or share decoder), never a panic. dc may be
// nil for plain data.
func Decode(data []byte, dc *DecodeContext) (starlark.Value, error) {
	return DecodeWrapped(data, dc, 0)
}

// DecodeWrapped decodes a payload made by AppendWrapped with as many
// wrappers.
func DecodeWrapped(data []byte, dc *DecodeContext, wrappers int) (starlark.Value, error) {
	d, err := newDecoder(data, dc)
	if err != nil {
		return nil, err
	}
	v, err := d.value(-wrappers)
	if err != nil {
		return nil, err
	}
	if d.pos != len(data) {
		return nil, d.errorf("%d bytes after the value", len(data)-d.pos)
	}
	return v, nil
}

// newDecoder checks a payload's version byte and returns a decoder
// positioned after it; dc nil decodes plain data only.
func newDecoder(data []byte, dc *DecodeContext) (*decoder, error) {
	if len(data) == 0 {
		return nil, &DecodeError{0, "empty message"}
	}
	if data[0] != CodecVersion {
		return nil, &VersionError{data[0]}
	}
	if dc == nil {
		dc = plainData
	}
	return &decoder{full: data, data: data, pos: 1, dc: dc}, nil
}

// plainData is the context of Decode(data, nil): no functions, no
// runtime objects.
var plainData = &DecodeContext{}

// DecodeListInto decodes a payload holding a list into dst, without making
// a list of its own, and returns how many items there were: a Pool decodes
// a map's results straight into the final list this way.
func DecodeListInto(data []byte, dc *DecodeContext, dst []starlark.Value) (int, error) {
	d, err := newDecoder(data, dc)
	if err != nil {
		return 0, err
	}
	n, err := d.arrayHeader()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(dst)) {
		return 0, d.errorf("%d items for %d places", n, len(dst))
	}
	for i := range dst[:n] {
		if dst[i], err = d.value(1); err != nil {
			return 0, err
		}
	}
	if d.pos != len(data) {
		return 0, d.errorf("%d bytes after the list", len(data)-d.pos)
	}
	return int(n), nil
}

// decoder is a cursor over a payload. data may be cut short while the
// data of an ext is decoded; positions are always offsets in the payload.
type decoder struct {
	full []byte // the whole payload
	data []byte
	pos  int
	dc   *DecodeContext
	text string // the payload as a string, for small payloads: one copy serves all its strings
	ints intSlab
}

// smallPayload is the size up to which all strings of a payload share one
// copy of it; a larger payload copies each string, so a small string does
// not pin a large payload in memory.
const smallPayload = 4096

func (d *decoder) errorf(format string, args ...any) *DecodeError {
	return &DecodeError{Offset: d.pos, Reason: fmt.Sprintf(format, args...)}
}

// take returns the next n bytes, checking n against what is left before
// anything is allocated for them.
func (d *decoder) take(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, d.errorf("length %d exceeds the %d bytes left", n, len(d.data)-d.pos)
	}
	p := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return p, nil
}

// uint reads a big-endian unsigned integer of size bytes.
func (d *decoder) uint(size int) (uint64, error) {
	p, err := d.take(uint64(size))
	if err != nil {
		return 0, err
	}
	var u uint64
	for _, c := range p {
		u = u<<8 | uint64(c)
	}
	return u, nil
}

// str returns the next n bytes as a string.
func (d *decoder) str(n uint64) (string, error) {
	start := d.pos
	p, err := d.take(n)
	if err != nil {
		return "", err
	}
	if len(d.full) > smallPayload || n <= 1 {
		return string(p), nil // one-byte strings are static in Go
	}
	if d.text == "" {
		d.text = string(d.full)
	}
	return d.text[start:d.pos], nil
}

// count checks that n items of at least min bytes each can fit.
func (d *decoder) count(n uint64, min uint64) (int, error) {
	if n > uint64(len(d.data)-d.pos)/min {
		return 0, d.errorf("%d items cannot fit in the %d bytes left", n, len(d.data)-d.pos)
	}
	return int(n), nil
}

// value decodes one msgpack object.
func (d *decoder) value(depth int) (starlark.Value, error) {
	if d.pos >= len(d.data) {
		return nil, d.errorf("message ends too early")
	}
	c := d.data[d.pos]
	d.pos++
	switch {
	case c <= msgpcode.PosFixedNumHigh:
		return starlark.MakeInt(int(c)), nil
	case c >= msgpcode.NegFixedNumLow:
		return starlark.MakeInt(int(int8(c))), nil
	case msgpcode.IsFixedString(c):
		s, err := d.str(uint64(c & msgpcode.FixedStrMask))
		return starlark.String(s), err
	case msgpcode.IsFixedArray(c):
		return d.list(uint64(c&msgpcode.FixedArrayMask), depth)
	case msgpcode.IsFixedMap(c):
		return d.dict(uint64(c&msgpcode.FixedMapMask), depth)
	}
	switch c {
	case msgpcode.Nil:
		return starlark.None, nil
	case msgpcode.False:
		return starlark.False, nil
	case msgpcode.True:
		return starlark.True, nil
	case msgpcode.Double:
		u, err := d.uint(8)
		return starlark.Float(math.Float64frombits(u)), err
	case msgpcode.Float:
		u, err := d.uint(4)
		return starlark.Float(math.Float32frombits(uint32(u))), err
	case msgpcode.Uint8, msgpcode.Uint16, msgpcode.Uint32, msgpcode.Uint64:
		u, err := d.uint(1 << (c - msgpcode.Uint8))
		if u <= math.MaxInt64 {
			return d.ints.makeInt64(int64(u)), err
		}
		return starlark.MakeUint64(u), err
	case msgpcode.Int8, msgpcode.Int16, msgpcode.Int32, msgpcode.Int64:
		size := 1 << (c - msgpcode.Int8)
		u, err := d.uint(size)
		shift := 64 - 8*size // sign-extend
		return d.ints.makeInt64(int64(u<<shift) >> shift), err
	case msgpcode.Str8, msgpcode.Str16, msgpcode.Str32:
		s, err := d.lengthThen(c-msgpcode.Str8, d.str)
		return starlark.String(s), err
	case msgpcode.Bin8, msgpcode.Bin16, msgpcode.Bin32:
		s, err := d.lengthThen(c-msgpcode.Bin8, d.str)
		return starlark.Bytes(s), err
	case msgpcode.Array16, msgpcode.Array32:
		n, err := d.uint(2 << (c - msgpcode.Array16))
		if err != nil {
			return nil, err
		}
		return d.list(n, depth)
	case msgpcode.Map16, msgpcode.Map32:
		n, err := d.uint(2 << (c - msgpcode.Map16))
		if err != nil {
			return nil, err
		}
		return d.dict(n, depth)
	case msgpcode.FixExt1, msgpcode.FixExt2, msgpcode.FixExt4, msgpcode.FixExt8, msgpcode.FixExt16:
		return d.ext(1<<(c-msgpcode.FixExt1), depth)
	case msgpcode.Ext8, msgpcode.Ext16, msgpcode.Ext32:
		n, err := d.uint(1 << (c - msgpcode.Ext8))
		if err != nil {
			return nil, err
		}
		return d.ext(n, depth)
	}
	d.pos--
	return nil, d.errorf("unknown msgpack code 0x%02x", c)
}

// lengthThen reads a 1-, 2- or 4-byte length (sizeIndex 0, 1, 2) and
// passes it to read.
func (d *decoder) lengthThen(sizeIndex byte, read func(uint64) (string, error)) (string, error) {
	n, err := d.uint(1 << sizeIndex)
	if err != nil {
		return "", err
	}
	return read(n)
}

// nest refuses to decode the contents of a value at depth when that is
// too deep; contents are decoded at depth+1.
func (d *decoder) nest(depth int) error {
	if depth >= maxDepth {
		return d.errorf("nesting deeper than %d levels", maxDepth)
	}
	return nil
}

// items decodes n values into a new slice.
func (d *decoder) items(n uint64, depth int) ([]starlark.Value, error) {
	if err := d.nest(depth); err != nil {
		return nil, err
	}
	count, err := d.count(n, 1)
	if err != nil {
		return nil, err
	}
	items := make([]starlark.Value, count)
	for i := range items {
		if items[i], err = d.value(depth + 1); err != nil {
			return nil, err
		}
	}
	return items, nil
}

func (d *decoder) list(n uint64, depth int) (starlark.Value, error) {
	items, err := d.items(n, depth)
	if err != nil {
		return nil, err
	}
	return starlark.NewList(items), nil
}

func (d *decoder) dict(n uint64, depth int) (starlark.Value, error) {
	if err := d.nest(depth); err != nil {
		return nil, err
	}
	count, err := d.count(n, 2)
	if err != nil {
		return nil, err
	}
	dict := starlark.NewDict(count)
	for i := 0; i < count; i++ {
		at := d.pos
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := dict.SetKey(k, v); err != nil {
			return nil, &DecodeError{at, "bad dict key: " + err.Error()}
		}
	}
	return dict, nil
}

// ext decodes an ext of n data bytes, checking its contents use exactly
// those bytes.
func (d *decoder) ext(n uint64, depth int) (starlark.Value, error) {
	p, err := d.take(1)
	if err != nil {
		return nil, err
	}
	typ := int8(p[0])
	start := d.pos
	raw, err := d.take(n)
	if err != nil {
		return nil, err
	}
	outer := d.data
	d.data, d.pos = d.data[:d.pos], start
	defer func() { d.data = outer }()
	v, err := d.extValue(typ, raw, depth)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.data) {
		return nil, d.errorf("%d bytes left over in ext type %d", len(d.data)-d.pos, typ)
	}
	return v, nil
}

func (d *decoder) extValue(typ int8, raw []byte, depth int) (starlark.Value, error) {
	switch typ {
	case extBigInt:
		d.pos = len(d.data)
		return d.bigInt(raw)
	case extTuple:
		items, err := d.arrayItems(depth)
		return starlark.Tuple(items), err
	case extSet:
		return d.set(depth)
	case extStruct:
		return d.structValue(depth)
	case extFunction:
		return d.function()
	case extPredeclared:
		d.pos = len(d.data)
		return d.predeclared(string(raw))
	case extMethod:
		return d.method(depth)
	case extError:
		return d.errorValue(depth)
	case extBytearray:
		d.pos = len(d.data)
		return pytypes.NewBytearray(append([]byte(nil), raw...)), nil
	case extArray:
		d.pos = len(d.data)
		if len(raw) == 0 {
			return nil, d.errorf("array without a typecode")
		}
		a, err := pytypes.NewTypedArray(raw[0], append([]byte(nil), raw[1:]...))
		if err != nil {
			return nil, d.errorf("bad array: %v", err)
		}
		return a, nil
	case extShared:
		return d.shared()
	}
	return nil, d.errorf("unknown ext type %d", typ)
}

func (d *decoder) bigInt(raw []byte) (starlark.Value, error) {
	if len(raw) < 1 || raw[0] > 1 {
		return nil, d.errorf("bad big int")
	}
	bi := new(big.Int).SetBytes(raw[1:])
	if raw[0] == 1 {
		bi.Neg(bi)
	}
	return starlark.MakeBigInt(bi), nil
}

// arrayItems decodes a msgpack array header and its items.
func (d *decoder) arrayItems(depth int) ([]starlark.Value, error) {
	n, err := d.arrayHeader()
	if err != nil {
		return nil, err
	}
	return d.items(n, depth)
}

// arrayHeader reads the length of a msgpack array.
func (d *decoder) arrayHeader() (uint64, error) {
	p, err := d.take(1)
	if err != nil {
		return 0, err
	}
	switch c := p[0]; {
	case msgpcode.IsFixedArray(c):
		return uint64(c & msgpcode.FixedArrayMask), nil
	case c == msgpcode.Array16:
		return d.uint(2)
	case c == msgpcode.Array32:
		return d.uint(4)
	}
	d.pos--
	return 0, d.errorf("want an array")
}

func (d *decoder) set(depth int) (starlark.Value, error) {
	items, err := d.arrayItems(depth)
	if err != nil {
		return nil, err
	}
	s := starlark.NewSet(len(items))
	for _, v := range items {
		if err := s.Insert(v); err != nil {
			return nil, d.errorf("bad set element: %v", err)
		}
	}
	return s, nil
}

// string decodes a msgpack str.
func (d *decoder) string() (string, error) {
	v, err := d.value(maxDepth) // a str never nests
	if err != nil {
		return "", err
	}
	s, ok := v.(starlark.String)
	if !ok {
		return "", d.errorf("want a str, got %s", v.Type())
	}
	return string(s), nil
}

func (d *decoder) structValue(depth int) (starlark.Value, error) {
	if err := d.nest(depth); err != nil {
		return nil, err
	}
	ctor, err := d.value(depth + 1)
	if err != nil {
		return nil, err
	}
	at := d.pos
	fields, err := d.value(depth + 1)
	if err != nil {
		return nil, err
	}
	dict, ok := fields.(*starlark.Dict)
	if !ok {
		return nil, &DecodeError{at, "struct fields are not a map"}
	}
	members := make(starlark.StringDict, dict.Len())
	for k, v := range dict.Entries() {
		name, ok := k.(starlark.String)
		if !ok {
			return nil, &DecodeError{at, "struct field name is not a str"}
		}
		members[string(name)] = v
	}
	return starlarkstruct.FromStringDict(ctor, members), nil
}

func (d *decoder) function() (starlark.Value, error) {
	file, err := d.string()
	if err != nil {
		return nil, err
	}
	name, err := d.string()
	if err != nil {
		return nil, err
	}
	if d.dc.Resolve == nil {
		return nil, d.errorf("function %s of %s cannot be received here: no module resolver", name, file)
	}
	return d.dc.Resolve(file, name)
}

// predeclared looks a dotted name up in the predeclared names, then in
// starlark.Universe, then through module members.
func (d *decoder) predeclared(path string) (starlark.Value, error) {
	head, rest, _ := strings.Cut(path, ".")
	v, ok := d.dc.Predeclared[head]
	if !ok {
		v, ok = starlark.Universe[head]
	}
	for ok && rest != "" {
		var name string
		name, rest, _ = strings.Cut(rest, ".")
		m, isModule := value.ModuleMembers(v)
		v, ok = m[name]
		ok = ok && isModule
	}
	if !ok {
		return nil, d.errorf("no predeclared name %q in this process", path)
	}
	switch v.(type) {
	case *starlark.Builtin, *exceptions.Type: // what the encoder sends by name
		return v, nil
	}
	return nil, d.errorf("predeclared name %q is a %s, not a builtin", path, v.Type())
}

func (d *decoder) method(depth int) (starlark.Value, error) {
	if err := d.nest(depth); err != nil {
		return nil, err
	}
	recv, err := d.value(depth + 1)
	if err != nil {
		return nil, err
	}
	name, err := d.string()
	if err != nil {
		return nil, err
	}
	if ha, ok := recv.(starlark.HasAttrs); ok {
		if m, err := ha.Attr(name); err == nil && m != nil {
			return m, nil
		}
	}
	return nil, d.errorf("%s has no method %s", recv.Type(), name)
}

func (d *decoder) errorValue(depth int) (starlark.Value, error) {
	typ, err := d.string()
	if err != nil {
		return nil, err
	}
	msg, err := d.string()
	if err != nil {
		return nil, err
	}
	if err := d.nest(depth); err != nil {
		return nil, err
	}
	v, err := d.value(depth + 1)
	if err != nil {
		return nil, err
	}
	args, ok := v.(starlark.Tuple)
	if !ok {
		return nil, d.errorf("error args are not a tuple")
	}
	tb, err := d.string()
	if err != nil {
		return nil, err
	}
	return NewErrorValue(exceptions.Named(typ), msg, args, tb), nil
}

func (d *decoder) shared() (starlark.Value, error) {
	kind, err := d.string()
	if err != nil {
		return nil, err
	}
	v, err := d.value(maxDepth)
	if err != nil {
		return nil, err
	}
	payload, ok := v.(starlark.Bytes)
	if !ok {
		return nil, d.errorf("%s handle is not bytes", kind)
	}
	dec, ok := d.dc.Unshare.ShareKinds[kind]
	if !ok {
		return nil, d.errorf("unknown object kind %q", kind)
	}
	return dec(&d.dc.Unshare, []byte(payload))
}
