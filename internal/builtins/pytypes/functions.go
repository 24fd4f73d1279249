package pytypes

// Python's builtin functions that Starlark lacks or that differ: sum, and
// repr.
//
// sum(iterable, start=0): scripts ported from Python lean on it (the
// array_sum workload sums a million floats per pass), so floats and small
// ints take a fast path.

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// SumBuiltin is sum(iterable, start=0).
var SumBuiltin = starlark.NewBuiltin("sum", sum)

// ReprBuiltin is repr(x): Starlark's repr, except that a value with a
// Python repr different from its str (a manager proxy) shows that.
var ReprBuiltin = starlark.NewBuiltin("repr", repr)

// Reprer is a value whose repr differs from its str (a proxy).
type Reprer interface{ Repr() string }

// def repr(x)
func repr(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	if r, ok := x.(Reprer); ok {
		return starlark.String(r.Repr()), nil
	}
	return starlark.String(x.String()), nil
}

// def sum(iterable, start=0)
func sum(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var iterable starlark.Iterable
	var start starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "iterable", &iterable, "start?", &start); err != nil {
		return nil, err
	}
	switch start.(type) {
	case starlark.String, starlark.Bytes:
		return nil, exceptions.TypeError.Errorf("sum() can't sum %s [use ''.join(seq) instead]", start.Type())
	}
	it := iterable.Iterate()
	defer it.Done()
	// While the sum and the items are floats, the sum stays a float64:
	// boxing each partial sum into a starlark.Value would allocate once
	// per item (array_sum sums a million floats per pass).
	acc := start
	var fsum float64
	inFloat := false // the sum is fsum, not acc
	var x starlark.Value
	for it.Next(&x) {
		if g, ok := x.(starlark.Float); ok {
			if f, ok := acc.(starlark.Float); ok && !inFloat {
				fsum, inFloat = float64(f), true
			}
			if inFloat {
				fsum += float64(g)
				continue
			}
		}
		if inFloat {
			acc, inFloat = starlark.Float(fsum), false
		}
		var err error
		if acc, err = starlark.Binary(syntax.PLUS, acc, x); err != nil {
			return nil, exceptions.TypeError.Errorf("sum(): %v", err)
		}
	}
	if inFloat {
		return starlark.Float(fsum), nil
	}
	return acc, nil
}
