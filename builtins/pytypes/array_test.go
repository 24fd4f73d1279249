package pytypes

import "testing"

func TestArray(t *testing.T) {
	runStarlarkTest(t, `
a = array.array("i", [1, 2, 3])
assert.eq(len(a), 3)
assert.eq(a[0], 1)
assert.eq(a[-1], 3)
assert.eq(list(a), [1, 2, 3])
assert.eq(a.tolist(), [1, 2, 3])
assert.eq(repr(a), "array('i', [1, 2, 3])")
assert.eq(repr(array.array("d")), "array('d')")
assert.eq(repr(array.array("d", [0.5, float("inf")])), "array('d', [0.5, inf])")
assert.eq(repr(array.array("f", [0.1])), "array('f', [0.10000000149011612])")
assert.eq(repr(array.array("u", "hé")), "array('u', 'hé')")
assert.eq(array.array("u", "hé").tounicode(), "hé")
assert.eq(type(a), "array.array")
assert.eq(a.typecode, "i")
assert.eq(a.itemsize, 4)
assert.eq(array.typecodes, "bBuhHiIlLqQfd")
assert.eq(a.tobytes(), b"\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00")
assert.eq(array.array("b", b"\x01\xff"), array.array("b", [1, -1]))
assert.eq(array.array("d", array.array("i", [1])), array.array("d", [1.0]))
assert.eq(array.array("i", [1]), array.array("d", [1.0]))  # compares items, as Python

# C ranges, with CPython's OverflowError messages
for tc, big, small, over, under in [
    ("b", 128, -129, "signed char is greater than maximum", "signed char is less than minimum"),
    ("B", 256, -1, "unsigned byte integer is greater than maximum", "unsigned byte integer is less than minimum"),
    ("h", 1 << 15, -(1 << 15) - 1, "signed short integer is greater than maximum", "signed short integer is less than minimum"),
    ("H", 1 << 16, -1, "unsigned short is greater than maximum", "unsigned short is less than minimum"),
    ("i", 1 << 31, -(1 << 31) - 1, "signed integer is greater than maximum", "signed integer is less than minimum"),
    ("I", 1 << 32, -1, "unsigned int is greater than maximum", "can't convert negative value to unsigned int"),
    ("l", 1 << 63, -(1 << 63) - 1, "Python int too large to convert to C long", "Python int too large to convert to C long"),
    ("L", 1 << 64, -1, "Python int too large to convert to C unsigned long", "can't convert negative value to unsigned int"),
    ("q", 1 << 63, -(1 << 63) - 1, "int too big to convert", "int too big to convert"),
    ("Q", 1 << 64, -1, "int too big to convert", "can't convert negative int to unsigned"),
]:
    assert.eq(pyerr(array.array, tc, [big]), "OverflowError: " + over)
    assert.eq(pyerr(array.array, tc, [small]), "OverflowError: " + under)
    assert.eq(array.array(tc, [big - 1, small + 1]).tolist(), [big - 1, small + 1])

assert.eq(pyerr(array.array, "x"), "ValueError: bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)")
assert.eq(pyerr(array.array, "i", [1.5]), "TypeError: 'float' object cannot be interpreted as an integer")
assert.eq(pyerr(array.array, "i", "abc"), "TypeError: cannot use a str to initialize an array with typecode 'i'")
assert.eq(pyerr(array.array, "d", ["a"]), "TypeError: must be real number, not str")
assert.eq(pyerr(array.array, "u", ["ab"]), "TypeError: array item must be unicode character")
assert.eq(array.array("f", [1e300]).tolist(), [float("inf")])

# item assignment, slices, methods
def set_item(i, v):
    a[i] = v
set_item(0, 10)
assert.eq(a[0], 10)
assert.eq(pyerr(set_item, 0, 1 << 40), "OverflowError: signed integer is greater than maximum")
assert.eq(a[1:], array.array("i", [2, 3]))
assert.eq(a[::-1], array.array("i", [3, 2, 10]))
a.append(4)
a.extend([5, 6])
a.extend(array.array("i", [7]))
assert.eq(pyerr(a.extend, array.array("h", [1])), "TypeError: can only extend with array of same kind")
assert.eq(pyerr(a.extend, [8, 1.5]), "TypeError: 'float' object cannot be interpreted as an integer")
assert.eq(len(a), 7)  # a failed extend changes nothing
a.fromlist([8])
a.frombytes(b"\x09\x00\x00\x00")
assert.eq(pyerr(a.frombytes, b"abc"), "ValueError: bytes length not a multiple of item size")
a.insert(0, 0)
assert.eq(a.tolist(), [0, 10, 2, 3, 4, 5, 6, 7, 8, 9])
assert.eq(a.pop(), 9)
assert.eq(a.pop(0), 0)
a.remove(10)
assert.eq(a.index(4), 2)
assert.eq(a.count(4), 1)
assert.eq(pyerr(a.index, 99), "ValueError: array.index(x): x not in array")
assert.eq(pyerr(a.remove, 99), "ValueError: array.remove(x): x not in array")
assert.eq(pyerr(array.array("i").pop), "IndexError: pop from empty array")
a.reverse()
assert.eq(a.tolist(), [8, 7, 6, 5, 4, 3, 2])
h = array.array("h", [1, 256])
h.byteswap()
assert.eq(h.tolist(), [256, 1])
assert.eq(array.array("i", [1]) + array.array("i", [2]), array.array("i", [1, 2]))
assert.eq(pyerr(lambda: array.array("i") + array.array("h")), "TypeError: bad argument type for built-in operation")
assert.eq(array.array("b", [1]) * 3, array.array("b", [1, 1, 1]))
assert.true(3 in a)
assert.true(array.array("i", [1]) < array.array("i", [2]))
assert.fails(lambda: {a: 1}, "unhashable type: array.array")

frozen = array.array("i", [1])
freeze(frozen)
assert.fails(lambda: frozen.append(2), "cannot append on frozen array.array")
`)
}

func TestArrayBuffers(t *testing.T) {
	a, err := NewTypedArray('H', []byte{1, 0, 2, 0})
	if err != nil {
		t.Fatal(err)
	}
	w, err := a.WritableBytes()
	if err != nil {
		t.Fatal(err)
	}
	w[2] = 7 // writes land in the value, as recv_bytes_into needs
	if got := a.String(); got != "array('H', [1, 7])" {
		t.Fatalf("got %s", got)
	}
	if _, err := NewTypedArray('H', []byte{1}); err == nil {
		t.Fatal("an odd byte count made an 'H' array")
	}
}
