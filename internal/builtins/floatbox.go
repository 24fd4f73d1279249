package builtins

// Boxing many float64s at once. A bulk read of a large 'd' shared array is
// a hot path (mpbench's array_sum): putting each float in a starlark.Value
// costs one allocation per item, so boxFloat64s makes one backing array
// and hand-builds each interface word to point at an element of it. That
// relies on the gc compiler's interface layout (a type word, then a
// pointer to the value); boxedFloats checks it at start-up by reading
// sample floats back through ordinary type assertions, and boxFloat64s
// falls back to plain boxing when the check fails.

import (
	"encoding/binary"
	"math"
	"unsafe" // hand-built interface words: one allocation for a whole slice of floats

	"go.starlark.net/starlark"
)

// boxFloat64s fills dst with the little-endian float64s of src, with one
// allocation where boxedFloats holds. Nothing ever writes through the
// shared pointers (a Float in an interface is immutable), and the GC keeps
// the backing array alive while any item is referenced.
func boxFloat64s(dst []starlark.Value, src []byte) {
	if !boxedFloats {
		for i := range dst {
			dst[i] = starlark.Float(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
		return
	}
	boxInPlace(dst, src)
}

// boxInPlace is boxFloat64s's one-allocation path.
func boxInPlace(dst []starlark.Value, src []byte) {
	floats := make([]starlark.Float, len(dst))
	tab := (*iface)(unsafe.Pointer(&floatExemplar)).tab
	for i := range floats {
		floats[i] = starlark.Float(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		*(*iface)(unsafe.Pointer(&dst[i])) = iface{tab: tab, data: unsafe.Pointer(&floats[i])}
	}
}

// iface is the memory layout of a Go interface value holding a non-pointer
// type: the type's method table and a pointer to the value.
type iface struct {
	tab  unsafe.Pointer
	data unsafe.Pointer
}

// floatExemplar is a starlark.Value holding a Float, whose method table
// boxInPlace copies.
var floatExemplar starlark.Value = starlark.Float(0.5)

// boxFloatSamples are the floats boxedFloats reads back: signs, zero,
// extremes, infinities and a NaN, compared bit for bit.
var boxFloatSamples = []float64{0, math.Copysign(0, -1), -1.5, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(-1), math.NaN()}

// boxedFloats reports whether boxInPlace's interface words are sound for
// this compiler: the layout has two words, and every sample boxed in place
// reads back, by type assertion and by method, as the float it was.
var boxedFloats = func() bool {
	if unsafe.Sizeof(floatExemplar) != unsafe.Sizeof(iface{}) {
		return false
	}
	src := make([]byte, 8*len(boxFloatSamples))
	for i, x := range boxFloatSamples {
		binary.LittleEndian.PutUint64(src[8*i:], math.Float64bits(x))
	}
	dst := make([]starlark.Value, len(boxFloatSamples))
	boxInPlace(dst, src)
	for i, x := range boxFloatSamples {
		f, ok := dst[i].(starlark.Float)
		if !ok || math.Float64bits(float64(f)) != math.Float64bits(x) || dst[i].Type() != "float" {
			return false
		}
	}
	return true
}()
