package builtins_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/modules"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/scripttest"
	"github.com/mpstar/mpstar/mpcore"
)

// sharedNames returns the predeclared names of a new runtime's script plus
// sharedctypes, bytearray and the members of multiprocessing and
// multiprocessing.sharedctypes, and a thread that loads the runtime's
// modules.
func sharedNames() (starlark.StringDict, *starlark.Thread) {
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
	return predeclared, thread
}

// sharedEnv executes setup as a script with sharedNames and returns its
// globals with those names.
func sharedEnv(t testing.TB, setup string) (starlark.StringDict, *starlark.Thread) {
	t.Helper()
	predeclared, thread := sharedNames()
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

// TestStarlarkFiles runs testdata/*.star (sharedctypes.star) with
// sharedNames, errors shown as a script's catch shows them.
func TestStarlarkFiles(t *testing.T) {
	scripttest.Run(t, "*.star", scripttest.Options{
		Env:       func(*testing.T) (starlark.StringDict, *starlark.Thread) { return sharedNames() },
		ErrorText: errorText,
	})
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
	got, err := builtins.Decode(data, &builtins.DecodeContext{Unshare: builtins.UnshareContext{FDs: fds.FDs(), ShareKinds: builtins.ShareKinds}})
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
func ctypes(name string) starlark.Value { return builtins.CtypesModule.Members()[name] }

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
