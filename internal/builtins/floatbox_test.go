package builtins

import (
	"encoding/binary"
	"math"
	"runtime"
	"testing"

	"go.starlark.net/starlark"
)

// TestBoxedFloatsAreRealFloats: floats boxed in place behave as any
// Starlark float, in arithmetic, comparison and repr, after a collection.
func TestBoxedFloatsAreRealFloats(t *testing.T) {
	if !boxedFloats {
		t.Skip("the interface layout is not the one boxInPlace relies on; boxFloat64s boxes one by one")
	}
	want := []float64{1.25, -3, 1e300, 0.1}
	src := make([]byte, 8*len(want))
	for i, x := range want {
		binary.LittleEndian.PutUint64(src[8*i:], math.Float64bits(x))
	}
	got := make([]starlark.Value, len(want))
	boxFloat64s(got, src)
	runtime.GC() // the backing array must stay valid while referenced
	for i, x := range want {
		w := starlark.Float(x)
		if eq, err := starlark.Equal(got[i], w); err != nil || !eq || got[i].String() != w.String() {
			t.Errorf("boxed %v != %v", got[i], w)
		}
		gh, _ := got[i].Hash()
		wh, _ := w.Hash()
		if gh != wh {
			t.Errorf("boxed %v hashes differently", got[i])
		}
	}
}
