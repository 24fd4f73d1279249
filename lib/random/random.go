package random

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"
)

// New returns a random module with a generator of its own, seeded from
// the OS:
//
//	def seed(a=None)                      # an int, str or bytes, as Python's
//	def random()                          # a float in [0.0, 1.0)
//	def uniform(a, b)
//	def randint(a, b)                     # an int in [a, b]
//	def randrange(start, stop=None, step=1)
//	def choice(seq)
//	def shuffle(x)                        # shuffles a list in place
//	def sample(population, k)             # k distinct elements
//	def choices(population, weights=None, *, cum_weights=None, k=1)
//	def getrandbits(k)
//	def Random(x=None)                    # a generator with these methods
//
// The generator is CPython's Mersenne Twister, seeded as CPython seeds it,
// and every function draws as CPython's does, so a script seeded with
// random.seed(42) or random.Random(42) sees CPython's numbers.
func New() *value.Module {
	return value.NewModule("random", func() starlark.StringDict {
		r := &Random{unseeded: true}
		members := r.Methods()
		members["Random"] = starlark.NewBuiltin("random.Random", newRandom)
		return members
	})
}

// def Random(x=None)
func newRandom(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x?", &x); err != nil {
		return nil, err
	}
	return NewRandom(x)
}
