package builtins

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	mathlib "go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/mpcore"
)

var codecFileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// codecTestPredeclared is the environment of the codec's test values.
var codecTestPredeclared = starlark.StringDict{
	"struct":    starlark.NewBuiltin("struct", starlarkstruct.Make),
	"bytearray": pytypes.BytearrayBuiltin,
	"array":     pytypes.ArrayModule,
	"math":      mathlib.Module,
}

// evalValue evaluates a Starlark expression for a test.
func evalValue(t testing.TB, expr string) starlark.Value {
	t.Helper()
	v, err := starlark.EvalOptions(codecFileOptions, &starlark.Thread{}, "<expr>", expr, codecTestPredeclared)
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// execModule executes a test module and returns its globals, with a
// resolver that finds them by file and name as a child process would.
func execModule(t testing.TB, src string) (starlark.StringDict, *DecodeContext) {
	t.Helper()
	_, prog, err := starlark.SourceProgramOptions(codecFileOptions, "mod.star", src, codecTestPredeclared.Has)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	NoteSource(prog, "mod.star", []byte(src))
	globals, err := prog.Init(&starlark.Thread{}, codecTestPredeclared)
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	dc := &DecodeContext{
		Predeclared: codecTestPredeclared,
		Resolve: func(file, name string) (starlark.Value, error) {
			if file != "mod.star" || globals[name] == nil {
				return nil, fmt.Errorf("no %s in %s", name, file)
			}
			return globals[name], nil
		},
	}
	return globals, dc
}

func roundTrip(t testing.TB, v starlark.Value, enc *Encoder, dc *DecodeContext) starlark.Value {
	t.Helper()
	data, err := enc.Append(nil, "value", v)
	if err != nil {
		t.Fatalf("encode %s: %v", v, err)
	}
	got, err := Decode(data, dc)
	if err != nil {
		t.Fatalf("decode %s (% x): %v", v, data, err)
	}
	return got
}

func TestCodecRoundTrip(t *testing.T) {
	for _, expr := range []string{
		"None", "True", "False",
		"0", "1", "-1", "127", "128", "-32", "-33", "-128", "-129", "255", "256", "65535", "65536",
		"-32768", "-32769", "4294967295", "4294967296", "-2147483649",
		"9223372036854775807", "-9223372036854775808", "18446744073709551615", "18446744073709551616",
		"1 << 100", "-(1 << 100)", "-(1 << 64)",
		"0.0", "-0.0", "1.5", "-1e300", "5e-324", "float('inf')", "float('-inf')", "float('nan')",
		`""`, `"x"`, `"héllo"`, `"a" * 31`, `"b" * 32`, `"c" * 300`, `"d" * 70000`,
		`b""`, `b"\x00\xff"`, `b"z" * 300`,
		"[]", "()", "{}", "set()", "(1,)", `(7, "x")`, "[1, [2, [3, []]]]", "tuple(range(300))", "list(range(20))",
		`{"b": 1, "a": 2, "c": 3}`, `{(1, "x"): [1], (0,): {"n": None}, 3: 4, -1.5: 5}`,
		"{i: i for i in range(20)}", "set([3, 1, 2, (4, 5)])",
		`struct(b=1, a=[2, (3,)], c=struct(d="e"))`, "struct()",
		`bytearray(b"\x00ab\xff")`, "bytearray()",
		"array.array('i', [1, -2, 3])", "array.array('d', [0.5, float('nan')])", "array.array('u', 'hé')",
		"array.array('Q', [18446744073709551615])", "array.array('b')",
		"len", "math.sqrt", "array.array", `"abc".upper`, "[1, 2].append",
	} {
		t.Run(expr, func(t *testing.T) {
			v := evalValue(t, expr)
			got := roundTrip(t, v, &Encoder{Predeclared: codecTestPredeclared}, &DecodeContext{Predeclared: codecTestPredeclared})
			if got.Type() != v.Type() || got.String() != v.String() {
				t.Fatalf("got %s %s, want %s %s", got.Type(), got, v.Type(), v)
			}
			if f, ok := v.(starlark.Float); ok && math.Float64bits(float64(f)) != math.Float64bits(float64(got.(starlark.Float))) {
				t.Fatalf("float bits differ: %v", got)
			}
			if _, isBuiltin := v.(*starlark.Builtin); !isBuiltin {
				if eq, err := starlark.Equal(got, v); err != nil || !eq {
					t.Fatalf("got %s, not equal to %s (%v)", got, v, err)
				}
			}
		})
	}
}

func TestCodecNonUTF8StringsRoundTripExactly(t *testing.T) {
	for _, v := range []starlark.Value{starlark.String("\xff\xfe\x80"), starlark.Tuple{starlark.String("ok\xc3")}} {
		if got := roundTrip(t, v, &Encoder{}, nil); got.String() != v.String() {
			t.Errorf("got %s, want %s", got, v)
		}
	}
}

func TestCodecPredeclaredBuiltinIsTheSameObject(t *testing.T) {
	dc := &DecodeContext{Predeclared: codecTestPredeclared}
	for _, want := range []starlark.Value{starlark.Universe["len"], mathlib.Module.Members["sqrt"], codecTestPredeclared["struct"]} {
		if got := roundTrip(t, want, &Encoder{Predeclared: codecTestPredeclared}, dc); got != want {
			t.Errorf("got %v, want the predeclared %v itself", got, want)
		}
	}
}

func TestCodecErrorValue(t *testing.T) {
	v := NewErrorValue(exceptions.ValueError, "bad value", starlark.Tuple{starlark.String("bad value"), starlark.MakeInt(3)}, "Traceback (most recent call last):\n")
	got := roundTrip(t, v, &Encoder{}, nil).(*ErrorValue)
	if got.typ != v.typ || got.msg != v.msg || got.traceback != v.traceback || got.args.String() != v.args.String() {
		t.Fatalf("got %#v, want %#v", got, v)
	}
}

func TestCodecFunctionsCrossByName(t *testing.T) {
	globals, dc := execModule(t, `
def f(x):
    return x + 1
g = lambda x: x * 2
def make():
    def inner():
        pass
    return inner
h = make()
def make_lambda():
    return lambda: 1
k = make_lambda()
`)
	for _, name := range []string{"f", "g"} {
		for range 2 { // the second send uses the cached name
			if got := roundTrip(t, globals[name], &Encoder{}, dc); got != globals[name] {
				t.Fatalf("%s came back as %v", name, got)
			}
		}
	}
	// A function made by a call crosses by no name, even when a global
	// holds it: the receiver's global of that name may hold another.
	for _, name := range []string{"h", "k"} {
		if _, err := Encode(globals[name], nil); err == nil || !strings.Contains(err.Error(), "defined inside another function") {
			t.Errorf("encode %s, made by a call: %v", name, err)
		}
	}
	data, err := Encode(globals["f"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data, nil); err == nil || !strings.Contains(err.Error(), "no module resolver") {
		t.Fatalf("decode without a resolver: %v", err)
	}
}

func TestCodecUnsendableValuesNameTheirPath(t *testing.T) {
	globals, _ := execModule(t, `
def outer():
    def inner():
        pass
    return inner
nested = (1, {"k": [0, 1, 2, outer()]})
lam = [lambda: 1]
cyclic = []
cyclic.append(cyclic)
d = {}
d["a"] = [d]
deep = []
x = deep
for i in range(1100):
    x.append([])
    x = x[0]
keyfn = {outer(): 1}
mod = {"m": math}
lazymod = {"m": array}
`)
	for _, tc := range []struct {
		v      starlark.Value
		path   string
		reason string
	}{
		{globals["nested"], `args[1]["k"][3]`, "cannot send a function defined inside another function (inner, defined at mod.star:3); define it with def at the top level of the script"},
		{globals["lam"], `args[0]`, "cannot send a lambda that is not bound to a top-level name; define it with def at the top level"},
		{globals["cyclic"], `args[0]`, "cannot send a list that contains itself"},
		{globals["d"], `args["a"][0]`, "cannot send a dict that contains itself"},
		{globals["deep"], `args` + strings.Repeat("[0]", 1000), "cannot send a value nested more than 1000 levels deep"},
		{globals["keyfn"], `args[<function inner>]`, "dict key: cannot send a function defined inside another function"},
		{globals["mod"], `args["m"]`, "cannot send module math"},
		{globals["lazymod"], `args["m"]`, "cannot send module array"},
		{starlark.NewBuiltin("secret", nil), "args", "cannot send <built-in function secret>: it is not a predeclared name"},
	} {
		_, err := EncodeNamed("args", tc.v, nil)
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Fatalf("encode %.40s: got %v, want an *EncodeError", tc.v, err)
		}
		if ee.Path != tc.path || !strings.HasPrefix(ee.Reason, tc.reason) {
			t.Errorf("got %q\nwant %s: %s...", err, tc.path, tc.reason)
		}
	}
}

func TestCodecUnsendableTypeIsNamed(t *testing.T) {
	_, err := EncodeNamed("obj", evalValue(t, "[range(3)]"), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "obj[0]: cannot send a value of type range") {
		t.Fatalf("got %v", err)
	}
}

// testShared is a runtime object that crosses by handle.
type testShared struct {
	id  string
	fd  int
	err error
}

func (s *testShared) String() string        { return "<shared " + s.id + ">" }
func (s *testShared) Type() string          { return "test.Shared" }
func (s *testShared) Freeze()               {}
func (s *testShared) Truth() starlark.Bool  { return true }
func (s *testShared) Hash() (uint32, error) { return 0, nil }
func (s *testShared) ShareKind() string     { return "test.Shared" }
func (s *testShared) Share(sc *ShareContext) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	if sc.FDs == nil {
		return nil, exceptions.RuntimeError.New("test.Shared objects should only be shared between processes through inheritance")
	}
	return []byte(fmt.Sprintf("%s/%d", s.id, sc.FDs.Add(s.fd))), nil
}

func (s *testShared) Attr(name string) (starlark.Value, error) {
	if name == "put" {
		return starlark.NewBuiltin("test.Shared.put", nil).BindReceiver(s), nil
	}
	return nil, nil
}
func (s *testShared) AttrNames() []string { return []string{"put"} }

var testShareKinds = map[string]ShareDecoder{
	"test.Shared": func(uc *UnshareContext, payload []byte) (starlark.Value, error) {
		id, idx, ok := strings.Cut(string(payload), "/")
		var i int
		if _, err := fmt.Sscan(idx, &i); !ok || err != nil || i < 0 || i >= len(uc.FDs) {
			return nil, fmt.Errorf("bad test.Shared handle %q", payload)
		}
		return &testShared{id: id, fd: uc.FDs[i]}, nil
	},
}

func TestCodecSharedObjectsCrossByHandle(t *testing.T) {
	var fds mpcore.FDTable
	q := &testShared{id: "q1", fd: 42}
	put, _ := q.Attr("put")
	v := starlark.Tuple{q, put}
	data, err := EncodeNamed("args", v, &ShareContext{FDs: &fds})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data, &DecodeContext{Unshare: UnshareContext{FDs: fds.FDs(), ShareKinds: testShareKinds}})
	if err != nil {
		t.Fatal(err)
	}
	tup := got.(starlark.Tuple)
	back := tup[0].(*testShared)
	if back.id != "q1" || back.fd != 42 {
		t.Fatalf("got %+v", back)
	}
	if m := tup[1].(*starlark.Builtin); m.Receiver() == nil || m.Receiver().(*testShared).id != "q1" {
		t.Fatalf("method came back as %v", m)
	}

	// Without a descriptor channel the object refuses, keeping its type.
	_, err = EncodeNamed("obj", starlark.NewList([]starlark.Value{q}), nil)
	if exceptions.TypeOf(err) != exceptions.RuntimeError || !strings.HasPrefix(err.Error(), "obj[0]: test.Shared objects should only") {
		t.Fatalf("got %v", err)
	}

	if _, err := Decode(data, &DecodeContext{Unshare: UnshareContext{ShareKinds: ShareKinds}}); err == nil || !strings.Contains(err.Error(), `unknown object kind "test.Shared"`) {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestCodecRefusesGarbage(t *testing.T) {
	valid, err := Encode(evalValue(t, `[1, "two", (3.0, b"4"), {"5": set([6])}, (1 << 70), bytearray(b"x")]`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(valid) {
		if _, err := Decode(valid[:n], nil); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	if _, err := Decode(append(valid[:len(valid):len(valid)], 0xc0), nil); err == nil || !strings.Contains(err.Error(), "1 bytes after the value") {
		t.Errorf("trailing byte: %v", err)
	}

	_, err = Decode([]byte{7, 0xc0}, nil)
	var ve *VersionError
	if !errors.As(err, &ve) || err.Error() != "unsupported message version 7; the peer runs a different mpstar" {
		t.Errorf("bad version: %v", err)
	}

	for _, data := range [][]byte{
		{CodecVersion, 0xdd, 0xff, 0xff, 0xff, 0xff},              // array32 of 4G items
		{CodecVersion, 0xdf, 0xff, 0xff, 0xff, 0xff, 1, 2},        // map32 of 4G entries
		{CodecVersion, 0xdb, 0xff, 0xff, 0xff, 0xf0, 'a'},         // str32 of 4G bytes
		{CodecVersion, 0xc6, 0x7f, 0xff, 0xff, 0xff},              // bin32
		{CodecVersion, 0xc9, 0xff, 0xff, 0xff, 0xff, 2},           // ext32
		{CodecVersion, 0xc1},                                      // never used
		{CodecVersion, 0xd4, 99, 0},                               // unknown ext type
		{CodecVersion, 0xc7, 1, byte(extBigInt), 5},               // bad bigint sign
		{CodecVersion, 0x81, 0x90, 0x01},                          // unhashable key
		{CodecVersion, 0xc7, 2, byte(extTuple), 0x92, 0x01},       // ext data too short for the tuple
		{CodecVersion, 0xc7, 3, byte(extTuple), 0x91, 0x01, 0x02}, // ext data left over
		{CodecVersion, 0xc7, 3, byte(extArray), 'i', 1, 2},        // partial item
		{CodecVersion, 0xc7, 1, byte(extArray), 'z'},              // bad typecode
		{CodecVersion, 0xc7, 4, byte(extPredeclared), 'n', 'o', 'p', 'e'},
	} {
		if v, err := Decode(data, nil); err == nil {
			t.Errorf("% x decoded to %v", data, v)
		}
	}

	deep := append([]byte{CodecVersion}, bytes.Repeat([]byte{0x91}, 100000)...)
	if _, err := Decode(append(deep, 0), nil); err == nil || !strings.Contains(err.Error(), "nesting deeper than 1000") {
		t.Errorf("deep nesting: %v", err)
	}
}

// TestCodecIsStandardMsgpack checks plain data against an independent
// msgpack decoder.
func TestCodecIsStandardMsgpack(t *testing.T) {
	data, err := Encode(evalValue(t, `{"a": [1, -200, 70000, 2.5, None, True, b"\x01"], "b": "x" * 40}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := msgpack.Unmarshal(data[1:], &got); err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(got); s != "map[a:[1 -200 70000 2.5 <nil> true [1]] b:"+strings.Repeat("x", 40)+"]" {
		t.Fatalf("msgpack sees %s", s)
	}
}

func TestCodecAppendKeepsPrefix(t *testing.T) {
	dst := []byte("hdr")
	out, err := AppendEncode(dst, starlark.MakeInt(5), nil)
	if err != nil || string(out) != "hdr\x01\x05" {
		t.Fatalf("got %q, %v", out, err)
	}
	if out, err = AppendEncode(dst, starlark.NewBuiltin("secret", nil), nil); err == nil || string(out) != "hdr" {
		t.Fatalf("failed append gave %q, %v", out, err)
	}
}

func FuzzDecode(f *testing.F) {
	globals, dc := execModule(f, "def fn():\n    pass\n")
	dc.Unshare.ShareKinds = testShareKinds
	var fds mpcore.FDTable
	fds.Add(3)
	dc.Unshare.FDs = fds.FDs()
	seeds := []starlark.Value{
		globals["fn"], starlark.Universe["len"], &testShared{id: "s", fd: 3},
		NewErrorValue(exceptions.Empty, "", starlark.Tuple{}, ""),
	}
	for _, expr := range []string{
		"None", "[1, -1, 300, -300, 1 << 40, 1 << 64, -(1 << 90), 1.5]", `("x", b"y", "z" * 40)`,
		`{(1, 2): {"a": set([1])}, "b": []}`, `struct(a=1, b=struct())`, `bytearray(b"ab")`,
		"array.array('h', [1, -1])", "math.sqrt", `"s".upper`,
	} {
		seeds = append(seeds, evalValue(f, expr))
	}
	for _, v := range seeds {
		data, err := (&Encoder{Share: &ShareContext{FDs: &fds}, Predeclared: codecTestPredeclared}).Append(nil, "seed", v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data, dc)
		if err != nil {
			return
		}
		enc := &Encoder{Share: &ShareContext{FDs: &fds}, Predeclared: codecTestPredeclared}
		again, err := enc.Append(nil, "v", v)
		if err != nil {
			t.Fatalf("re-encode %v: %v", v, err)
		}
		v2, err := Decode(again, dc)
		if err != nil {
			t.Fatalf("decode of re-encoding %x: %v", again, err)
		}
		third, err := enc.Append(nil, "v", v2)
		if err != nil || !bytes.Equal(third, again) {
			t.Fatalf("re-encoding is not stable: %x vs %x (%v)", again, third, err)
		}
	})
}

func BenchmarkEncodeInt(b *testing.B) {
	benchEncode(b, starlark.MakeInt(12345))
}

func BenchmarkEncodeTuple(b *testing.B) {
	benchEncode(b, starlark.Tuple{starlark.MakeInt(12345), starlark.String("x")})
}

func BenchmarkEncodeDict(b *testing.B) {
	benchEncode(b, evalValue(b, `{"id": 7, "name": "worker", "args": (1, 2.5, None)}`))
}

func benchEncode(b *testing.B, v starlark.Value) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], v, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeFunction(b *testing.B) {
	globals, _ := execModule(b, "def f():\n    pass\n")
	benchEncode(b, globals["f"])
}

func BenchmarkDecodeInt(b *testing.B) {
	benchDecode(b, starlark.MakeInt(12345))
}

func BenchmarkDecodeTuple(b *testing.B) {
	benchDecode(b, starlark.Tuple{starlark.MakeInt(12345), starlark.String("x")})
}

func BenchmarkDecodeDict(b *testing.B) {
	benchDecode(b, evalValue(b, `{"id": 7, "name": "worker", "args": (1, 2.5, None)}`))
}

func benchDecode(b *testing.B, v starlark.Value) {
	data, err := Encode(v, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSlabIntsAreRealInts: ints the decoder carves from its slab behave as
// any Starlark int (the layout check holds on this platform).
func TestSlabIntsAreRealInts(t *testing.T) {
	if !slabInts {
		t.Skip("go.starlark.net's Int layout is not the one the slab relies on; the decoder uses MakeInt64")
	}
	var s intSlab
	for _, x := range []int64{1 << 40, -(1 << 33), math.MaxInt64, math.MinInt64, 1 << 31} {
		got := s.makeInt64(x)
		want := starlark.MakeInt64(x)
		if eq, err := starlark.Equal(got, want); err != nil || !eq || got.String() != want.String() {
			t.Errorf("slab int %v != %v", got, want)
		}
		sum, err := starlark.Binary(syntax.PLUS, got, starlark.MakeInt(1))
		if err != nil || sum.String() != new(big.Int).Add(big.NewInt(x), big.NewInt(1)).String() {
			t.Errorf("%v + 1 = %v, %v", got, sum, err)
		}
	}
	runtime.GC() // the slab's ints must stay valid while referenced
}
