package pytypes

import (
	"errors"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/builtins/exceptions"
)

// runStarlarkTest executes src with assert and freeze (go.starlark.net's
// starlarktest), bytearray, array, and pyerr(f, *args), which returns
// "Type: message" of the error f(*args) fails with, or None.
func runStarlarkTest(t *testing.T, src string) {
	t.Helper()
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	env := starlark.StringDict{
		"assert":    assert["assert"],
		"freeze":    assert["freeze"],
		"bytearray": BytearrayBuiltin,
		"array":     ArrayModule,
		"pyerr": starlark.NewBuiltin("pyerr", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			_, err := starlark.Call(thread, args[0], args[1:], kwargs)
			if err == nil {
				return starlark.None, nil
			}
			var pe *exceptions.Error
			if errors.As(err, &pe) {
				return starlark.String(pe.Type.Name() + ": " + pe.Msg), nil
			}
			return starlark.String("Error: " + errors.Unwrap(err).Error()), nil
		}),
	}
	thread := &starlark.Thread{Name: t.Name()}
	starlarktest.SetReporter(thread, t)
	if _, err := starlark.ExecFileOptions(&syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}, thread, t.Name()+".star", src, env); err != nil {
		if ee, ok := err.(*starlark.EvalError); ok {
			t.Fatal(ee.Backtrace())
		}
		t.Fatal(err)
	}
}

func TestBytearray(t *testing.T) {
	runStarlarkTest(t, `
ba = bytearray(b"ab\x00")
assert.eq(len(ba), 3)
assert.eq(ba[0], 97)
assert.eq(ba[-1], 0)
assert.eq(list(ba), [97, 98, 0])
assert.eq(bytes(ba), b"ab\x00")
assert.eq(repr(ba), "bytearray(b'ab\\x00')")
assert.eq(repr(bytearray(b"it's \xff\"\\")), "bytearray(b'it\\'s \\xff\"\\\\')")
assert.eq(repr(bytearray(b"it's")), "bytearray(b\"it's\")")
assert.eq(type(ba), "bytearray")

# constructors
assert.eq(bytearray(), bytearray(b""))
assert.eq(bytearray(3), bytearray(b"\x00\x00\x00"))
assert.eq(bytearray([1, 2, 255]), bytearray(b"\x01\x02\xff"))
assert.eq(bytearray("hé", "utf-8"), bytearray(b"h\xc3\xa9"))
assert.eq(bytearray(ba), ba)
assert.eq(bytearray(array.array("h", [1, 2])), bytearray(b"\x01\x00\x02\x00"))
assert.eq(pyerr(bytearray, "abc"), "TypeError: string argument without an encoding")
assert.eq(pyerr(bytearray, -1), "ValueError: negative count")
assert.eq(pyerr(bytearray, [256]), "ValueError: byte must be in range(0, 256)")
assert.eq(pyerr(bytearray, ["a"]), "TypeError: 'str' object cannot be interpreted as an integer")
assert.eq(pyerr(bytearray, 1.5), "TypeError: cannot convert 'float' object to bytearray")

# item assignment and slices
ba[1] = 66
assert.eq(ba, bytearray(b"aB\x00"))
def set_item(i, v):
    ba[i] = v
assert.eq(pyerr(set_item, 0, 256), "ValueError: byte must be in range(0, 256)")
assert.eq(pyerr(set_item, 0, "x"), "TypeError: 'str' object cannot be interpreted as an integer")
assert.fails(lambda: ba[5], "out of range")
s = ba[0:2]
assert.eq(type(s), "bytearray")
assert.eq(s, bytearray(b"aB"))
assert.eq(ba[::-1], bytearray(b"\x00Ba"))
s[0] = 0
assert.eq(ba[0], 97)  # a slice is a copy

# methods
b = bytearray()
b.append(1)
b.extend([2, 3])
b.extend(b"\x04")
b.insert(0, 0)
assert.eq(b, bytearray(b"\x00\x01\x02\x03\x04"))
assert.eq(b.pop(), 4)
assert.eq(b.pop(0), 0)
b.remove(2)
assert.eq(b, bytearray(b"\x01\x03"))
b.reverse()
assert.eq(b.hex(), "0301")
assert.eq(b.hex(":"), "03:01")
c = b.copy()
b.clear()
assert.eq(len(b), 0)
assert.eq(c, bytearray(b"\x03\x01"))
assert.eq(pyerr(b.pop), "IndexError: pop from empty bytearray")
assert.eq(pyerr(c.remove, 9), "ValueError: value not found in bytearray")
assert.eq(pyerr(c.append, 256), "ValueError: byte must be in range(0, 256)")
assert.eq(bytearray(b"h\xc3\xa9").decode(), "hé")
assert.eq(pyerr(bytearray(b"\xff").decode), "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0")
assert.eq(bytearray(b"a\xffb").decode("utf-8", "replace"), "a\ufffdb")
assert.eq(bytearray(b"a\xffb").decode(errors="ignore"), "ab")

# operators
assert.eq(bytearray(b"ab") + b"c", bytearray(b"abc"))
assert.eq(bytearray(b"ab") * 2, bytearray(b"abab"))
assert.true(98 in bytearray(b"ab"))
assert.true(b"b" in bytearray(b"ab"))
assert.true(bytearray(b"a") < bytearray(b"b"))
assert.true(not bytearray())
assert.fails(lambda: {bytearray(): 1}, "unhashable type: bytearray")

# mutation during iteration and after freezing
def mutate_while_iterating():
    for x in c:
        c.append(x)
assert.fails(mutate_while_iterating, "cannot append on bytearray during iteration")
f = bytearray(b"x")
freeze(f)
assert.fails(lambda: f.append(1), "cannot append on frozen bytearray")
assert.eq(f[0], 120)
`)
}

func TestBytearrayBuffers(t *testing.T) {
	ba := NewBytearray([]byte("abc"))
	w, err := ba.WritableBytes()
	if err != nil {
		t.Fatal(err)
	}
	w[0] = 'z' // writes land in the value, as recv_bytes_into needs
	if string(ba.ReadableBytes()) != "zbc" {
		t.Fatalf("got %s", ba)
	}
	ba.Freeze()
	if _, err := ba.WritableBytes(); err == nil {
		t.Fatal("a frozen bytearray is writable")
	}
}
