package random

// Random: instances of Python's random.Random, drawing CPython's sequence
// for the same seed.

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"sync"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// Random is a random number generator with its own state, as Python's
// random.Random(seed).
type Random struct {
	mu sync.Mutex
	mt mt
	// unseeded: seed from the OS at first use. The random module's hidden
	// generator is made for every run and process, and most never draw.
	unseeded bool
}

var (
	_ starlark.HasAttrs = (*Random)(nil)
)

// NewRandom returns a generator seeded with a (None: from the OS).
func NewRandom(a starlark.Value) (*Random, error) {
	r := &Random{}
	return r, r.seed(a)
}

// seed seeds as CPython's seed(a, version=2).
func (r *Random) seed(a starlark.Value) error {
	switch a := a.(type) {
	case nil, starlark.NoneType:
		r.mt.seedInt(new(big.Int).SetUint64(rand.Uint64()))
	case starlark.Int:
		r.mt.seedInt(a.BigInt())
	case starlark.String:
		r.mt.seedBytes([]byte(a))
	case starlark.Bytes:
		r.mt.seedBytes([]byte(a))
	default:
		return exceptions.TypeError.Errorf("The only supported seed types are: None, int, float, str, bytes, and bytearray.")
	}
	r.unseeded = false
	return nil
}

// String implements starlark.Value.
func (r *Random) String() string { return "<random.Random object>" }

// Type implements starlark.Value.
func (r *Random) Type() string { return "random.Random" }

// Freeze implements starlark.Value: a generator stays usable when frozen,
// as its state is guarded by a lock.
func (r *Random) Freeze() {}

// Truth implements starlark.Value.
func (r *Random) Truth() starlark.Bool { return true }

// Hash fails: a generator is mutable.
func (r *Random) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: random.Random") }

// Attr implements starlark.HasAttrs.
func (r *Random) Attr(name string) (starlark.Value, error) {
	return value.Attr(randomMethods, r, name)
}

// AttrNames implements starlark.HasAttrs.
func (r *Random) AttrNames() []string {
	return value.AttrNames(randomMethods)
}

// method is a Random method working on the locked generator.
type method func(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// Methods returns the methods as builtins bound to r: the random module's
// functions are those of a hidden generator.
func (r *Random) Methods() starlark.StringDict {
	d := starlark.StringDict{}
	for name, m := range randomMethods.Table() {
		d[name] = m.BindReceiver(r)
	}
	return d
}

var randomMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	table := map[string]method{
		"seed":        seedMethod,
		"random":      randomMethod,
		"uniform":     uniform,
		"randint":     randint,
		"randrange":   randrange,
		"choice":      choice,
		"shuffle":     shuffle,
		"sample":      sample,
		"choices":     choices,
		"getrandbits": getrandbits,
	}
	out := map[string]*starlark.Builtin{}
	for name, m := range table {
		m := m
		out[name] = starlark.NewBuiltin(name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			r := b.Receiver().(*Random)
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.unseeded && name != "seed" {
				r.seed(starlark.None)
			}
			return m(r, b, args, kwargs)
		})
	}
	return out
})

// def seed(a=None)
func seedMethod(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a?", &a); err != nil {
		return nil, err
	}
	return starlark.None, r.seed(a)
}

// def random()
func randomMethod(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Float(r.mt.random()), nil
}

// def uniform(a, b)
func uniform(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, c starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &a, "b", &c); err != nil {
		return nil, err
	}
	lo, ok1 := starlark.AsFloat(a)
	hi, ok2 := starlark.AsFloat(c)
	if !ok1 || !ok2 {
		return nil, exceptions.TypeError.Errorf("%s: a and b must be numbers, not %s and %s", b.Name(), pytypes.TypeName(a), pytypes.TypeName(c))
	}
	return starlark.Float(lo + (hi-lo)*r.mt.random()), nil
}

// index is an int argument, as Python's operator.index takes it.
func index(v starlark.Value) (*big.Int, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		return nil, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(v))
	}
	return i.BigInt(), nil
}

// def randint(a, b): randrange(a, b+1)
func randint(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lo, hi starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &lo, "b", &hi); err != nil {
		return nil, err
	}
	h, err := index(hi)
	if err != nil {
		return nil, err
	}
	return r.randrange(lo, starlark.MakeBigInt(new(big.Int).Add(h, big.NewInt(1))), starlark.MakeInt(1))
}

// def randrange(start, stop=None, step=1)
func randrange(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start, stop, step starlark.Value = nil, starlark.None, starlark.MakeInt(1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "start", &start, "stop?", &stop, "step?", &step); err != nil {
		return nil, err
	}
	return r.randrange(start, stop, step)
}

// randrange is CPython 3.11's randrange.
func (r *Random) randrange(startV, stopV, stepV starlark.Value) (starlark.Value, error) {
	start, err := index(startV)
	if err != nil {
		return nil, err
	}
	step, err := index(stepV)
	if err != nil {
		return nil, err
	}
	if stopV == starlark.None {
		if step.Cmp(big.NewInt(1)) != 0 {
			return nil, exceptions.TypeError.New("Missing a non-None stop argument")
		}
		if start.Sign() > 0 {
			return starlark.MakeBigInt(r.mt.randbelow(start)), nil
		}
		return nil, exceptions.ValueError.New("empty range for randrange()")
	}
	stop, err := index(stopV)
	if err != nil {
		return nil, err
	}
	width := new(big.Int).Sub(stop, start)
	one := big.NewInt(1)
	if step.Cmp(one) == 0 {
		if width.Sign() > 0 {
			return starlark.MakeBigInt(new(big.Int).Add(start, r.mt.randbelow(width))), nil
		}
		return nil, exceptions.ValueError.Errorf("empty range for randrange() (%s, %s, %s)", start, stop, width)
	}
	var n *big.Int
	switch step.Sign() {
	case 1:
		n = floorDiv(new(big.Int).Sub(new(big.Int).Add(width, step), one), step)
	case -1:
		n = floorDiv(new(big.Int).Add(new(big.Int).Add(width, step), one), step)
	default:
		return nil, exceptions.ValueError.New("zero step for randrange()")
	}
	if n.Sign() <= 0 {
		return nil, exceptions.ValueError.New("empty range for randrange()")
	}
	return starlark.MakeBigInt(new(big.Int).Add(start, new(big.Int).Mul(step, r.mt.randbelow(n)))), nil
}

// floorDiv is Python's //.
func floorDiv(a, b *big.Int) *big.Int {
	q, m := new(big.Int).DivMod(a, b, new(big.Int)) // Euclidean
	if m.Sign() != 0 && b.Sign() < 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// def choice(seq)
func choice(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var seq starlark.Indexable
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seq", &seq); err != nil {
		return nil, err
	}
	if seq.Len() == 0 {
		return nil, exceptions.IndexError.New("Cannot choose from an empty sequence")
	}
	return seq.Index(r.below(seq.Len())), nil
}

// below is randbelow for a small n.
func (r *Random) below(n int) int { return int(r.mt.randbelow(big.NewInt(int64(n))).Int64()) }

// def shuffle(x)
func shuffle(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var l *starlark.List
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &l); err != nil {
		return nil, err
	}
	for i := l.Len() - 1; i > 0; i-- {
		j := r.below(i + 1)
		x, y := l.Index(i), l.Index(j)
		if err := l.SetIndex(i, y); err != nil {
			return nil, err
		}
		l.SetIndex(j, x)
	}
	return starlark.None, nil
}

// def sample(population, k): k distinct elements, as CPython picks them.
func sample(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pop starlark.Indexable
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "population", &pop, "k", &k); err != nil {
		return nil, err
	}
	n := pop.Len()
	if k < 0 || k > n {
		return nil, exceptions.ValueError.New("Sample larger than population or is negative")
	}
	result := make([]starlark.Value, k)
	setsize := 21
	if k > 5 {
		setsize += int(math.Pow(4, math.Ceil(math.Log(float64(k*3))/math.Log(4))))
	}
	if n <= setsize {
		pool := make([]starlark.Value, n)
		for i := range pool {
			pool[i] = pop.Index(i)
		}
		for i := 0; i < k; i++ {
			j := r.below(n - i)
			result[i] = pool[j]
			pool[j] = pool[n-i-1]
		}
	} else {
		selected := map[int]bool{}
		for i := 0; i < k; i++ {
			j := r.below(n)
			for selected[j] {
				j = r.below(n)
			}
			selected[j] = true
			result[i] = pop.Index(j)
		}
	}
	return starlark.NewList(result), nil
}

// def choices(population, weights=None, *, cum_weights=None, k=1)
func choices(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pop starlark.Indexable
	var weights, cum starlark.Value = starlark.None, starlark.None
	k := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "population", &pop, "weights?", &weights, "cum_weights?", &cum, "k?", &k); err != nil {
		return nil, err
	}
	n := pop.Len()
	out := make([]starlark.Value, 0, max(k, 0))
	if weights == starlark.None && cum == starlark.None {
		for i := 0; i < k; i++ {
			out = append(out, pop.Index(int(math.Floor(r.mt.random()*float64(n)))))
		}
		return starlark.NewList(out), nil
	}
	if weights != starlark.None && cum != starlark.None {
		return nil, exceptions.TypeError.New("Cannot specify both weights and cumulative weights")
	}
	cw, err := cumulative(weights, cum)
	if err != nil {
		return nil, err
	}
	if len(cw) != n {
		return nil, exceptions.ValueError.New("The number of weights does not match the population")
	}
	total := cw[n-1]
	if total <= 0 {
		return nil, exceptions.ValueError.New("Total of weights must be greater than zero")
	}
	if math.IsInf(total, 0) || math.IsNaN(total) {
		return nil, exceptions.ValueError.New("Total of weights must be finite")
	}
	for i := 0; i < k; i++ {
		x := r.mt.random() * total
		j := sort.Search(n-1, func(j int) bool { return cw[j] > x }) // bisect_right in [0, n-1)
		out = append(out, pop.Index(j))
	}
	return starlark.NewList(out), nil
}

// cumulative returns the cumulative weights, from weights (accumulated) or
// as given.
func cumulative(weights, cum starlark.Value) ([]float64, error) {
	src, running := cum, false
	if weights != starlark.None {
		src, running = weights, true
	}
	it, ok := src.(starlark.Iterable)
	if !ok {
		return nil, exceptions.TypeError.Errorf("'%s' object is not iterable", pytypes.TypeName(src))
	}
	var out []float64
	sum := 0.0
	iter := it.Iterate()
	defer iter.Done()
	var v starlark.Value
	for iter.Next(&v) {
		f, ok := starlark.AsFloat(v)
		if !ok {
			return nil, exceptions.TypeError.Errorf("weights must be numbers, not %s", pytypes.TypeName(v))
		}
		if running {
			sum += f
			f = sum
		}
		out = append(out, f)
	}
	return out, nil
}

// def getrandbits(k)
func getrandbits(r *Random, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "k", &k); err != nil {
		return nil, err
	}
	if k < 0 {
		return nil, exceptions.ValueError.New("number of bits must be non-negative")
	}
	if k == 0 {
		return starlark.MakeInt(0), nil
	}
	return starlark.MakeBigInt(r.mt.getrandbits(k)), nil
}
