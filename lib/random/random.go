package random

import (
	"math/rand/v2"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/builtins/exceptions"
)

// randomState is one generator per runtime, so hosts running several
// interpreters don't share a stream.
type randomState struct {
	mu  sync.Mutex
	rng *rand.Rand
}

// New returns a random module with a generator of its own:
//
//	def seed(a=None)
//	def random()                          # a float in [0.0, 1.0)
//	def uniform(a, b)
//	def randint(a, b)                     # an int in [a, b]
//	def randrange(start, stop=None, step=1)
//	def choice(seq)
//	def shuffle(x)                        # shuffles a list in place
func New() *starlarkstruct.Module {
	r := &randomState{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	fn := func(name string, f func(*rand.Rand, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin("random."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			return f(r.rng, b, args, kwargs)
		})
	}
	return &starlarkstruct.Module{Name: "random", Members: starlark.StringDict{
		"seed":      fn("seed", r.seed),
		"random":    fn("random", randomFloat),
		"uniform":   fn("uniform", randomUniform),
		"randint":   fn("randint", randomRandint),
		"randrange": fn("randrange", randomRandrange),
		"choice":    fn("choice", randomChoice),
		"shuffle":   fn("shuffle", randomShuffle),
	}}
}

// def seed(a=None)
func (r *randomState) seed(_ *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &a); err != nil {
		return nil, err
	}
	var s uint64
	if a == starlark.None {
		s = rand.Uint64()
	} else {
		h, err := a.Hash()
		if err != nil {
			return nil, err
		}
		if i, ok := a.(starlark.Int); ok {
			if v, ok := i.Uint64(); ok {
				h = uint32(v) ^ uint32(v>>32)
			}
		}
		s = uint64(h)
	}
	r.rng = rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	return starlark.None, nil
}

func randomFloat(rng *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.Float(rng.Float64()), nil
}

// def uniform(a, b)
func randomUniform(rng *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lo, hi float64
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &lo, &hi); err != nil {
		return nil, err
	}
	return starlark.Float(lo + (hi-lo)*rng.Float64()), nil
}

// def randint(a, b): an int in [a, b].
func randomRandint(rng *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lo, hi int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &lo, &hi); err != nil {
		return nil, err
	}
	if hi < lo {
		return nil, exceptions.ValueError.Errorf("empty range for randint(%d, %d)", lo, hi)
	}
	return starlark.MakeInt(lo + rng.IntN(hi-lo+1)), nil
}

// def randrange(start, stop=None, step=1)
func randomRandrange(rng *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start, step = 0, 1
	var stop starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &start, &stop, &step); err != nil {
		return nil, err
	}
	if stop == starlark.None {
		start, stop = 0, starlark.MakeInt(start)
	}
	end, err := starlark.AsInt32(stop)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		return nil, exceptions.ValueError.New("zero step for randrange()")
	}
	n := (end - start + step - sign(step)) / step
	if n <= 0 {
		return nil, exceptions.ValueError.New("empty range for randrange()")
	}
	return starlark.MakeInt(start + step*rng.IntN(n)), nil
}

func sign(x int) int {
	if x < 0 {
		return -1
	}
	return 1
}

// def choice(seq)
func randomChoice(rng *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var seq starlark.Indexable
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &seq); err != nil {
		return nil, err
	}
	if seq.Len() == 0 {
		return nil, exceptions.IndexError.New("Cannot choose from an empty sequence")
	}
	return seq.Index(rng.IntN(seq.Len())), nil
}

// def shuffle(x): shuffles a list in place.
func randomShuffle(rng *rand.Rand, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var l *starlark.List
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &l); err != nil {
		return nil, err
	}
	var shuffleErr error
	rng.Shuffle(l.Len(), func(i, j int) {
		x, y := l.Index(i), l.Index(j)
		if err := l.SetIndex(i, y); err != nil {
			shuffleErr = err
			return
		}
		l.SetIndex(j, x)
	})
	return starlark.None, shuffleErr
}
