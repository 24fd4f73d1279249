package builtins

// Decoding ints outside the int32 range, which go.starlark.net keeps as a
// *big.Int: two allocations each (the big.Int and its one-word slice). A
// Pool's map of x*x over ten million items decodes ten million of them, so
// the decoder carves them from slabs instead. Building a starlark.Int
// around our own *big.Int relies on go.starlark.net's 64-bit layout (an
// Int is one pointer, to a big.Int unless it lies in the small-int range);
// slabInts checks that at start-up, and the decoder falls back to
// starlark.MakeInt64 when it does not hold.

import (
	"math"
	"math/big"
	"unsafe" // a starlark.Int built around a slab-allocated *big.Int (checked by slabInts)

	"go.starlark.net/starlark"
)

// intFromBig returns the Starlark int that is b itself (not a copy).
func intFromBig(b *big.Int) starlark.Int {
	var i starlark.Int
	*(*unsafe.Pointer)(unsafe.Pointer(&i)) = unsafe.Pointer(b)
	return i
}

// slabInts reports whether intFromBig is sound for this go.starlark.net.
var slabInts = func() bool {
	if unsafe.Sizeof(starlark.Int{}) != unsafe.Sizeof(uintptr(0)) {
		return false
	}
	for _, x := range []int64{1<<40 + 3, -(1 << 50), math.MinInt64, math.MaxInt64} {
		b := big.NewInt(x)
		i := intFromBig(b)
		if v, ok := i.Int64(); !ok || v != x || i.BigInt().Cmp(b) != 0 || i.Sign() != b.Sign() {
			return false
		}
	}
	return true
}()

// intSlab hands out ints from chunks that grow with use, so a decoder that
// meets a single big int allocates little.
type intSlab struct {
	ints  []big.Int
	words []big.Word
	next  int // size of the next chunk
}

const maxSlabChunk = 4096

// makeInt64 is starlark.MakeInt64, from the slab where it can be.
func (s *intSlab) makeInt64(x int64) starlark.Int {
	if (math.MinInt32 <= x && x <= math.MaxInt32) || !slabInts {
		return starlark.MakeInt64(x)
	}
	if len(s.ints) == 0 {
		s.next = min(max(2*s.next, 16), maxSlabChunk)
		s.ints, s.words = make([]big.Int, s.next), make([]big.Word, s.next)
	}
	b := &s.ints[0]
	b.SetBits(s.words[:0:1]) // one word of room: SetInt64 fills it without allocating
	b.SetInt64(x)
	s.ints, s.words = s.ints[1:], s.words[1:]
	return intFromBig(b)
}
