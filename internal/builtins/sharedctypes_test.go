package builtins_test

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/modules"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/mpcore"
)

// sharedEnv executes setup as a script with the runtime's predeclared names
// plus the members of multiprocessing and sharedctypes, and returns its
// globals with those names.
func sharedEnv(t testing.TB, setup string) (starlark.StringDict, *starlark.Thread) {
	t.Helper()
	rt := builtins.NewRuntime(builtins.Config{Builtins: modules.Predeclared})
	predeclared := rt.Predeclared("__main__", "test.star")
	predeclared["sharedctypes"] = modules.Sharedctypes
	predeclared["bytearray"] = pytypes.BytearrayBuiltin
	// A script's load() bindings are its own; cases see the members directly.
	for _, mod := range []string{"multiprocessing", "multiprocessing.sharedctypes"} {
		for k, v := range rt.LoadModule(mod) {
			predeclared[k] = v
		}
	}
	thread := &starlark.Thread{Name: "test", Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
		if m := rt.LoadModule(module); m != nil {
			return m, nil
		}
		return nil, fmt.Errorf("no module %s", module)
	}}
	globals, err := starlark.ExecFileOptions(fileOptions, thread, "test.star", setup, predeclared)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	for k, v := range predeclared {
		if _, ok := globals[k]; !ok {
			globals[k] = v
		}
	}
	return globals, thread
}

// sharedCase is an expression (or statements then an expression, separated
// by ";") and what it should give: its repr, or "Type: message" of the
// error it should fail with (a regexp when it starts with "~").
type sharedCase struct{ src, want string }

func runSharedCases(t *testing.T, setup string, cases []sharedCase) {
	t.Helper()
	for _, c := range cases {
		globals, thread := sharedEnv(t, setup)
		stmts := strings.Split(c.src, ";")
		last := len(stmts) - 1
		stmts[last] = "result = " + strings.TrimSpace(stmts[last])
		for i := range stmts {
			stmts[i] = strings.TrimSpace(stmts[i])
		}
		got := ""
		out, err := starlark.ExecFileOptions(fileOptions, thread, "case.star", strings.Join(stmts, "\n"), globals)
		if err != nil {
			got = errorText(err)
		} else {
			got = out["result"].String()
		}
		if want, ok := strings.CutPrefix(c.want, "~"); ok {
			if !regexp.MustCompile(want).MatchString(got) {
				t.Errorf("%s\n got %s\nwant match %s", c.src, got, want)
			}
		} else if got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

// call calls x's method name with args.
func call(t *testing.T, x starlark.Value, name string, args ...starlark.Value) starlark.Value {
	t.Helper()
	m, err := x.(starlark.HasAttrs).Attr(name)
	if err == nil && m == nil {
		err = fmt.Errorf("%s has no %s", x.Type(), name)
	}
	var v starlark.Value
	if err == nil {
		v, err = starlark.Call(&starlark.Thread{}, m, args, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// lockOf returns a synchronized wrapper's lock.
func lockOf(t *testing.T, w starlark.Value) starlark.Value { return call(t, w, "get_lock") }

// fileOptions are the dialect of the test scripts.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// errorText is what a script's catch shows for err.
func errorText(err error) string { return builtins.ErrorFromGo(err).String() }

func TestSharedValueTypecodesRoundTripAndWrap(t *testing.T) {
	runSharedCases(t, `load("multiprocessing", "Value", "RawValue")`, []sharedCase{
		{`RawValue("b", 127).value`, `127`},
		{`RawValue("b", 128).value`, `-128`},
		{`RawValue("b", -129).value`, `127`},
		{`RawValue("B", 255).value`, `255`},
		{`RawValue("B", -1).value`, `255`},
		{`RawValue("B", 256).value`, `0`},
		{`RawValue("h", 32767).value`, `32767`},
		{`RawValue("h", 32768).value`, `-32768`},
		{`RawValue("H", 70000).value`, `4464`},
		{`RawValue("i", -5).value`, `-5`},
		{`RawValue("i", 1 << 31).value`, `-2147483648`},
		{`RawValue("i", (1 << 40) + 3).value`, `3`},
		{`RawValue("I", -1).value`, `4294967295`},
		{`RawValue("l", -(1 << 63)).value`, `-9223372036854775808`},
		{`RawValue("l", 1 << 63).value`, `-9223372036854775808`},
		{`RawValue("L", -1).value`, `18446744073709551615`},
		{`RawValue("q", (1 << 70) + 7).value`, `7`},
		{`RawValue("q", -(1 << 70) - 1).value`, `-1`},
		{`RawValue("Q", (1 << 64) + 5).value`, `5`},
		{`RawValue("f", 1.1).value`, `1.100000023841858`},
		{`RawValue("f", 3).value`, `3.0`},
		{`RawValue("f", 1e300).value`, `+inf`},
		{`RawValue("d", 0.1).value`, `0.1`},
		{`RawValue("d", True).value`, `1.0`},
		{`RawValue("c", b"a").value`, `b"a"`},
		{`RawValue("c", 65).value`, `b"A"`},
		{`RawValue("c", bytearray(b"z")).value`, `b"z"`},
		{`RawValue("c").value`, `b"\x00"`},
		{`RawValue("u", "é").value`, `"é"`},
		{`RawValue("?", 5).value`, `True`},
		{`RawValue(ctypes.c_bool, "").value`, `False`},
		{`RawValue(ctypes.c_ulonglong, -2).value`, `18446744073709551614`},
		{`RawValue("i", True).value`, `1`},
		{`RawValue("i").value`, `0`},
		{`v = RawValue("i", 7); v.value = (1 << 32) + 9; v.value`, `9`},
		{`v = Value("h", 0); v.value = 40000; v.value`, `-25536`},
		{`v = Value("i", 0); v.value += 1; v.value += 1; v.value`, `2`},
	})
}

func TestSharedValueErrorsAreCPythons(t *testing.T) {
	runSharedCases(t, `load("multiprocessing", "Value", "RawValue", "Array", "Lock")`, []sharedCase{
		{`RawValue("i", 1.5)`, `TypeError: 'float' object cannot be interpreted as an integer`},
		{`RawValue("i", None)`, `TypeError: 'NoneType' object cannot be interpreted as an integer`},
		{`RawValue("d", "x")`, `TypeError: must be real number, not str`},
		{`RawValue("d", int("1" + "0" * 400))`, `OverflowError: int too large to convert to float`},
		{`RawValue("c", b"ab")`, `TypeError: one character bytes, bytearray or integer expected`},
		{`RawValue("c", "a")`, `TypeError: one character bytes, bytearray or integer expected`},
		{`RawValue("c", 256)`, `TypeError: one character bytes, bytearray or integer expected`},
		{`RawValue("u", "ab")`, `TypeError: one character unicode string expected`},
		{`RawValue("i", 1, 2)`, `TypeError: __init__ expected at most 1 argument, got 2`},
		{`RawValue("x")`, `~^TypeError: this type has no size`},
		{`Value(3)`, `~^TypeError: this type has no size`},
		{`Value("i", 1, lock=5)`, `AttributeError: 5 has no method 'acquire'`},
		{`Array("i", 3, lock="no")`, `AttributeError: "no" has no method 'acquire'`},
		{`Value("i", lock=False).get_lock()`, `AttributeError: 'c_int' object has no attribute 'get_lock'`},
		{`Value("i").nope`, `AttributeError: 'Synchronized' object has no attribute 'nope'`},
		{`v = RawValue("i"); v.nope = 1; v`, `AttributeError: 'c_int' object has no attribute 'nope'`},
		{`{RawValue("i"): 1}`, `TypeError: unhashable type: 'c_int'`},
	})
}

func TestSharedValueWrapper(t *testing.T) {
	runSharedCases(t, `load("multiprocessing", "Value", "RawValue", "Lock", "RLock")`, []sharedCase{
		{`Value("i", 5)`, `<Synchronized wrapper for c_int(5)>`},
		{`Value("i", 5).get_obj()`, `c_int(5)`},
		{`Value("c", b"'")`, `<Synchronized wrapper for c_char(b"'")>`},
		{`Value("u", "z")`, `<Synchronized wrapper for c_wchar('z')>`},
		{`Value("?", 1)`, `<Synchronized wrapper for c_bool(True)>`},
		{`Value("d")`, `<Synchronized wrapper for c_double(0.0)>`},
		{`Value("d", lock=False)`, `c_double(0.0)`},
		{`Value("i", 5, lock=None).get_lock()`, `<RLock(None, 0)>`},
		{`l = Lock(); v = Value("i", lock=l); v.get_lock() == l`, `True`},
		{`v = Value("i"); v.get_lock() == v.get_lock() and v.get_obj() == v.get_obj()`, `True`},
		{`v = Value("i"); v.acquire(); v.get_lock()`, `<RLock(MainProcess, 1)>`},
		{`v = Value("i"); v.acquire(); v.release(); v.get_lock()`, `<RLock(None, 0)>`},
		// .value takes the (recursive) lock again inside with_.
		{`v = Value("i", 1); x = with_(v.get_lock(), lambda: v.value + 1); x`, `2`},
		{`v = Value("i", 1); with_(v, lambda: str(v.get_lock()))`, `"<RLock(MainProcess, 1)>"`},
		{`RawValue("i", 0) or "falsy"`, `"falsy"`},
		{`bool(RawValue("i", 3))`, `True`},
		{`type(Value("i"))`, `"multiprocessing.sharedctypes.Synchronized"`},
		{`type(RawValue("i"))`, `"ctypes.c_int"`},
	})
}

func TestSharedArrayIndexingAndSlices(t *testing.T) {
	runSharedCases(t, `load("multiprocessing", "Array", "RawArray")
a = Array("i", range(5))
r = RawArray("d", [0.5, 1.5, 2.5])`, []sharedCase{
		{`a[:]`, `[0, 1, 2, 3, 4]`},
		{`a[1:3]`, `[1, 2]`},
		{`a[::2]`, `[0, 2, 4]`},
		{`a[::-1]`, `[4, 3, 2, 1, 0]`},
		{`a[4:1:-2]`, `[4, 2]`},
		{`a[-1]`, `4`},
		{`a[-5]`, `0`},
		{`a[5]`, `IndexError: invalid index`},
		{`a[-6]`, `IndexError: invalid index`},
		{`a["x"]`, `TypeError: indices must be integers`},
		{`a[0] = 1 << 33; a[0]`, `0`},
		{`a[-1] = -7; a[:]`, `[0, 1, 2, 3, -7]`},
		{`a[9] = 1; a`, `IndexError: invalid index`},
		{`a[0] = "x"; a`, `TypeError: 'str' object cannot be interpreted as an integer`},
		{`len(a)`, `5`},
		{`list(a)`, `[0, 1, 2, 3, 4]`},
		{`[x * 2 for x in a]`, `[0, 2, 4, 6, 8]`},
		{`3 in a`, `True`},
		{`7 in a`, `False`},
		{`r[:]`, `[0.5, 1.5, 2.5]`},
		{`r[1:]`, `[1.5, 2.5]`},
		{`r[::-1]`, `[2.5, 1.5, 0.5]`},
		{`r[1:1]`, `[]`},
		{`r[1] = 7; r[:]`, `[0.5, 7.0, 2.5]`},
		{`a.get_obj()[1:3]`, `[1, 2]`},
		{`RawArray("b", 3)[:]`, `[0, 0, 0]`},
		{`RawArray("i", 0)[:]`, `[]`},
		{`bool(RawArray("i", 0))`, `False`},
		{`RawArray(ctypes.c_bool, [1, 0])[:]`, `[True, False]`},
		{`RawArray("h", [40000])[0]`, `-25536`},
		{`RawArray("i", -1)`, `ValueError: Array length must be >= 0, not -1`},
		{`RawArray("i", 3.5)`, `TypeError: object of type 'float' has no len()`},
		{`RawArray("i", "ab")`, `TypeError: 'str' object cannot be interpreted as an integer`},
		{`RawArray("i", [1, "x"])`, `TypeError: 'str' object cannot be interpreted as an integer`},
		{`Array("i", 3, nope=1)`, `~unexpected keyword argument`},
		{`type(a)`, `"multiprocessing.sharedctypes.SynchronizedArray"`},
		{`type(a.get_obj())`, `"ctypes.c_int_Array_5"`},
		{`str(a)`, `~^"<SynchronizedArray wrapper for <multiprocessing\.sharedctypes\.c_int_Array_5 object at 0x[0-9a-f]+>>"$`},
		{`str(r)`, `~^"<multiprocessing\.sharedctypes\.c_double_Array_3 object at 0x[0-9a-f]+>"$`},
		{`ctypes.sizeof(a.get_obj())`, `20`},
		{`{r: 1}`, `TypeError: unhashable type: 'c_double_Array_3'`},
		{`a.value`, `AttributeError: 'SynchronizedArray' object has no attribute 'value'`},
	})
}

func TestSharedCharArrays(t *testing.T) {
	runSharedCases(t, `load("multiprocessing", "Array", "RawArray")
s = Array("c", b"hi\0there")
w = RawArray("u", "héllo")`, []sharedCase{
		{`s.value`, `b"hi"`},
		{`s.raw`, `b"hi\x00there"`},
		{`s[:]`, `b"hi\x00there"`},
		{`s[1:3]`, `b"i\x00"`},
		{`s[0]`, `b"h"`},
		{`b"t" in s`, `True`},
		{`s.value = b"yo"; s.raw`, `b"yo\x00there"`},
		{`s.value = b"abcdefgh"; s.raw`, `b"abcdefgh"`},
		{`s.value = b"abcdefghi"; s`, `ValueError: byte string too long`},
		{`s.value = "x"; s`, `TypeError: bytes expected instead of str instance`},
		{`s.raw = b"abc"; s.raw`, `b"abcthere"`},
		{`s.raw = bytearray(b"xy"); s.value`, `b"xy"`},
		{`s.raw = 3; s`, `TypeError: a bytes-like object is required, not 'int'`},
		{`s[1] = b"z"; s.value`, `b"hz"`},
		{`s[1] = 65; s.value`, `b"hA"`},
		{`type(s)`, `"multiprocessing.sharedctypes.SynchronizedString"`},
		{`RawArray("c", 3).value`, `b""`},
		{`RawArray("c", [b"a", b"b"]).raw`, `b"ab"`},
		{`RawArray("c", "abc")`, `TypeError: one character bytes, bytearray or integer expected`},
		{`w.value`, `"héllo"`},
		{`w[1]`, `"é"`},
		{`w[:]`, `"héllo"`},
		{`w[::-2]`, `"olh"`},
		{`w.value = "ab"; w[:]`, `"ab\x00lo"`},
		{`w.value = "abcdef"; w`, `ValueError: string too long`},
		{`w.value = b"a"; w`, `TypeError: unicode string expected instead of bytes instance`},
		{`RawArray("u", 2).value`, `""`},
		{`RawArray("i", 2).raw`, `AttributeError: 'c_int_Array_2' object has no attribute 'raw'`},
	})
}

func TestSharedctypesCopyAndSynchronized(t *testing.T) {
	runSharedCases(t, `load("multiprocessing", "Value", "RawValue", "RawArray", "Lock")
load("multiprocessing.sharedctypes", "copy", "synchronized")
r = RawArray("i", [1, 2, 3])`, []sharedCase{
		{`c = copy(r); c[0] = 9; (r[:], c[:])`, `([1, 2, 3], [9, 2, 3])`},
		{`copy(RawValue("d", 2.5))`, `c_double(2.5)`},
		{`copy(RawArray("c", b"xy")).raw`, `b"xy"`},
		{`copy(Value("i"))`, `~^TypeError: this type has no size`},
		{`synchronized(r)[:]`, `[1, 2, 3]`},
		{`synchronized(r).get_obj() == r`, `True`},
		{`synchronized(r).get_lock()`, `<RLock(None, 0)>`},
		{`l = Lock(); synchronized(RawValue("i"), l).get_lock() == l`, `True`},
		{`synchronized(RawValue("i", 4))`, `<Synchronized wrapper for c_int(4)>`},
		{`synchronized(Value("i"))`, `AssertionError: object already synchronized`},
		{`synchronized(3)`, `~^TypeError: .*takes a ctypes object`},
		{`sharedctypes.RawValue("i", 2).value`, `2`},
		{`multiprocessing.sharedctypes.Array("i", 2)[:]`, `[0, 0]`},
	})
}

func TestCtypesModule(t *testing.T) {
	runSharedCases(t, ``, []sharedCase{
		{`ctypes.c_int`, `<class 'ctypes.c_int'>`},
		{`ctypes.c_longlong`, `<class 'ctypes.c_long'>`},
		{`ctypes.c_int(5)`, `c_int(5)`},
		{`ctypes.c_int(5).value`, `5`},
		{`ctypes.c_int()`, `c_int(0)`},
		{`ctypes.c_ubyte(-1).value`, `255`},
		{`ctypes.c_double(2)`, `c_double(2.0)`},
		{`ctypes.c_float(1.1)`, `c_float(1.100000023841858)`},
		{`ctypes.c_char(b"x")`, `c_char(b'x')`},
		{`ctypes.c_wchar("x")`, `c_wchar('x')`},
		{`ctypes.c_bool(3)`, `c_bool(True)`},
		{`x = ctypes.c_short(1); x.value = 1 << 15; x.value`, `-32768`},
		{`ctypes.c_int(1, 2)`, `TypeError: __init__ expected at most 1 argument, got 2`},
		{`ctypes.c_int(value=2)`, `TypeError: ctypes.c_int() takes no keyword arguments`},
		{`[ctypes.sizeof(t) for t in [ctypes.c_bool, ctypes.c_char, ctypes.c_wchar, ctypes.c_byte, ctypes.c_ubyte, ctypes.c_short, ctypes.c_ushort, ctypes.c_int, ctypes.c_uint, ctypes.c_long, ctypes.c_ulong, ctypes.c_longlong, ctypes.c_ulonglong, ctypes.c_float, ctypes.c_double]]`,
			`[1, 1, 4, 1, 1, 2, 2, 4, 4, 8, 8, 8, 8, 4, 8]`},
		{`ctypes.sizeof(ctypes.c_int(3))`, `4`},
		{`ctypes.sizeof(5)`, `TypeError: this type has no size`},
		{`multiprocessing.RawValue(ctypes.c_uint, -1).value`, `4294967295`},
	})
}

// TestSharedObjectsCrossOnlyAsProcessArguments checks the handles: with a
// descriptor channel (process arguments) a value, an array and a wrapper
// decode to objects on the same memory and lock; anywhere else they fail
// with CPython's RuntimeError.
func TestSharedObjectsCrossOnlyAsProcessArguments(t *testing.T) {
	globals, _ := sharedEnv(t, `load("multiprocessing", "Value", "Array", "RawValue")
v = Value("i", 5)
a = Array("d", [1.0, 2.0])
r = RawValue("q", -3)
s = Array("c", b"ab")
args = (v, a, r, s, ctypes.c_double, ctypes.c_char(b"z"))`)
	var fds mpcore.FDTable
	data, err := builtins.EncodeNamed("args", globals["args"], &builtins.ShareContext{FDs: &fds})
	if err != nil {
		t.Fatal(err)
	}
	got, err := builtins.Decode(data, &builtins.DecodeContext{Unshare: builtins.UnshareContext{FDs: fds.FDs()}})
	if err != nil {
		t.Fatal(err)
	}
	back := got.(starlark.Tuple)
	if s := back.String(); s != `(<Synchronized wrapper for c_int(5)>, `+back[1].String()+`, c_long(-3), `+back[3].String()+`, <class 'ctypes.c_double'>, c_char(b'z'))` {
		t.Errorf("decoded %s", s)
	}
	if back[4] != ctypes("c_double") {
		t.Errorf("a ctypes type decoded as a different object")
	}
	v2 := back[0].(*builtins.SynchronizedValue)
	if err := v2.SetField("value", starlark.MakeInt(42)); err != nil {
		t.Fatal(err)
	}
	if got, _ := globals["v"].(*builtins.SynchronizedValue).Attr("value"); got.String() != "42" {
		t.Errorf("write through the decoded value: original reads %s", got)
	}
	call(t, lockOf(t, v2), "acquire")
	if held := lockOf(t, globals["v"]).String(); !strings.HasSuffix(held, ", 1)>") {
		t.Errorf("the decoded wrapper has another lock: the original's is %s", held)
	}
	call(t, lockOf(t, v2), "release")
	a2 := back[1].(*builtins.SynchronizedArray)
	if err := a2.SetKey(starlark.MakeInt(1), starlark.Float(9)); err != nil {
		t.Fatal(err)
	}
	if got := globals["a"].(*builtins.SynchronizedArray).Slice(0, 2, 1).String(); got != "[1.0, 9.0]" {
		t.Errorf("write through the decoded array: original reads %s", got)
	}
	if back[3].Type() != "multiprocessing.sharedctypes.SynchronizedString" {
		t.Errorf("char array wrapper decoded as %s", back[3].Type())
	}

	for name, what := range map[string]string{"v": "Synchronized", "a": "SynchronizedArray", "s": "SynchronizedString", "r": "c_long"} {
		_, err := builtins.EncodeNamed("obj", globals[name], nil)
		want := what + " objects should only be shared between processes through inheritance"
		if exceptions.TypeOf(err) != exceptions.RuntimeError || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("sending %s outside process arguments: got %v, want RuntimeError ...%s", name, err, want)
		}
	}
}

// ctypes returns a member of the ctypes module.
func ctypes(name string) starlark.Value { return builtins.CtypesModule.Members[name] }

// TestSharedArrayIsABuffer checks that send_bytes/recv_bytes_into see the
// shared bytes in place.
func TestSharedArrayIsABuffer(t *testing.T) {
	globals, _ := sharedEnv(t, `load("multiprocessing", "Array", "RawArray")
a = Array("i", [1, 2])
r = RawArray("B", 3)`)
	for _, name := range []string{"a", "r"} {
		buf, ok := globals[name].(pytypes.WritableBuffer)
		if !ok {
			t.Fatalf("%s is not a pytypes.WritableBuffer", name)
		}
		w, err := buf.WritableBytes()
		if err != nil {
			t.Fatal(err)
		}
		w[0] = 7
	}
	if got := globals["a"].(*builtins.SynchronizedArray).Slice(0, 2, 1).String(); got != "[7, 2]" {
		t.Errorf("a = %s", got)
	}
	if got := globals["r"].(*builtins.CArray).ReadableBytes(); string(got) != "\x07\x00\x00" {
		t.Errorf("r bytes = %q", got)
	}
}

// TestBulkFloatSliceItemsAreOrdinaryFloats checks the one-allocation
// boxing of a 'd' slice: items are ordinary Floats that stay valid after
// the list is dropped and the collector runs, and later writes to the
// array don't change them.
func TestBulkFloatSliceItemsAreOrdinaryFloats(t *testing.T) {
	globals, _ := sharedEnv(t, `a = RawArray("d", [float(i) / 4 for i in range(1000)])`)
	a := globals["a"].(*builtins.CArray)
	list := a.Slice(0, a.Len(), 1).(*starlark.List)
	kept := []starlark.Value{list.Index(3), list.Index(999)}
	list = nil
	runtime.GC()
	if err := a.SetKey(starlark.MakeInt(3), starlark.Float(-1)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []starlark.Float{0.75, 249.75} {
		f, ok := kept[i].(starlark.Float)
		if !ok || f != want {
			t.Errorf("item %d = %#v, want %v", i, kept[i], want)
		}
		if eq, _ := starlark.Equal(kept[i], want); !eq {
			t.Errorf("item %d does not compare equal to %v", i, want)
		}
	}
}

// BenchmarkSharedArraySliceFloat64 is the array_sum benchmark's bulk read:
// a[:] of a 1,000,000-item 'd' array of distinct values.
func BenchmarkSharedArraySliceFloat64(b *testing.B) {
	globals, _ := sharedEnv(b, `a = RawArray("d", [float(i) for i in range(1000000)])`)
	a := globals["a"].(*builtins.CArray)
	b.ReportAllocs()
	for b.Loop() {
		a.Slice(0, a.Len(), 1)
	}
}

// BenchmarkSharedValueIncrement is the value_increment_contended body,
// uncontended: get_lock().acquire(); v.value += 1; release().
func BenchmarkSharedValueIncrement(b *testing.B) {
	globals, thread := sharedEnv(b, `load("multiprocessing", "Value")
v = Value("i", 0)
def run(n):
    get_lock = v.get_lock
    for _ in range(n):
        lock = get_lock()
        lock.acquire()
        v.value += 1
        lock.release()
`)
	b.ReportAllocs()
	if _, err := starlark.Call(thread, globals["run"], starlark.Tuple{starlark.MakeInt(b.N)}, nil); err != nil {
		b.Fatal(err)
	}
}
