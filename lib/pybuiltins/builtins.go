package pybuiltins

import (
	"math"
	"math/big"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// Builtins returns the predeclared functions, print writing to stdout (a
// value with a write method, sys.stdout) unless given a file:
//
//	format(value, format_spec="") -> str
//	print(*objects, sep=" ", end="\n", file=None, flush=False)
//	round(number, ndigits=None) -> int or float
//	divmod(a, b) -> (a // b, a % b)
//	pow(base, exp, mod=None)
//	hex(x), oct(x), bin(x) -> str
//	next(iterator[, default])
//
// round rounds half to even on the exact binary value, as Python does
// (round(2.675, 2) is 2.67). pow of a negative float to a fractional power
// fails with ValueError where Python returns a complex number.
func Builtins(stdout starlark.Value) starlark.StringDict {
	return starlark.StringDict{
		"format": starlark.NewBuiltin("format", format),
		"print":  starlark.NewBuiltin("print", printer(stdout)),
		"round":  starlark.NewBuiltin("round", round),
		"divmod": starlark.NewBuiltin("divmod", divmod),
		"pow":    starlark.NewBuiltin("pow", pow),
		"hex":    starlark.NewBuiltin("hex", radix(16, "0x")),
		"oct":    starlark.NewBuiltin("oct", radix(8, "0o")),
		"bin":    starlark.NewBuiltin("bin", radix(2, "0b")),
		"next":   starlark.NewBuiltin("next", next),
	}
}

// def format(value, format_spec="")
func format(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var spec string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v, &spec); err != nil {
		return nil, err
	}
	s, err := Format(v, spec)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

// printer makes print(*objects, sep=" ", end="\n", file=None, flush=False).
// The line is written with one call of write, so lines printed by several
// processes don't interleave.
func printer(stdout starlark.Value) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var sep, end, file starlark.Value = starlark.None, starlark.None, starlark.None
		var flush bool
		if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "sep?", &sep, "end?", &end, "file?", &file, "flush?", &flush); err != nil {
			return nil, err
		}
		sepStr, err := textOr(sep, "sep", " ")
		if err != nil {
			return nil, err
		}
		endStr, err := textOr(end, "end", "\n")
		if err != nil {
			return nil, err
		}
		if file == starlark.None {
			file = stdout
		}
		var line []byte
		for i, a := range args {
			if i > 0 {
				line = append(line, sepStr...)
			}
			switch a := a.(type) {
			case starlark.String:
				line = append(line, a...)
			case starlark.Bytes: // as Starlark's print writes them
				line = append(line, a...)
			case starlark.Float: // Python's repr: 1e+16, 1000000.0, inf
				s, _ := Format(a, "")
				line = append(line, s...)
			default:
				line = append(line, a.String()...)
			}
		}
		line = append(line, endStr...)
		if _, err := CallMethod(thread, file, "write", starlark.String(line)); err != nil {
			return nil, err
		}
		if flush {
			if _, err := CallMethod(thread, file, "flush"); err != nil {
				return nil, err
			}
		}
		return starlark.None, nil
	}
}

// textOr returns a str argument, or def for None.
func textOr(v starlark.Value, name, def string) (string, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return def, nil
	case starlark.String:
		return string(v), nil
	}
	return "", exceptions.TypeError.Errorf("%s must be None or a string, not %s", name, pytypes.TypeName(v))
}

// CallMethod calls v.name(args...), failing as Python does if v has no
// such method: print's file, json.dump's fp.
func CallMethod(thread *starlark.Thread, v starlark.Value, name string, args ...starlark.Value) (starlark.Value, error) {
	var m starlark.Value
	if ha, ok := v.(starlark.HasAttrs); ok {
		m, _ = ha.Attr(name)
	}
	fn, ok := m.(starlark.Callable)
	if !ok {
		return nil, exceptions.AttributeError.Errorf("'%s' object has no attribute '%s'", pytypes.TypeName(v), name)
	}
	return starlark.Call(thread, fn, args, nil)
}

// def round(number, ndigits=None)
func round(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, nd starlark.Value = nil, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "number", &x, "ndigits?", &nd); err != nil {
		return nil, err
	}
	var n int
	if nd != starlark.None {
		i, ok := nd.(starlark.Int)
		if !ok {
			return nil, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(nd))
		}
		n64, ok := i.Int64()
		if !ok {
			return nil, exceptions.OverflowError.New("Python int too large to convert to C ssize_t")
		}
		n = int(max(min(n64, 1000), -1000)) // beyond ±1000 digits nothing changes
	}
	switch x := x.(type) {
	case starlark.Int:
		if n >= 0 {
			return x, nil
		}
		return starlark.MakeBigInt(roundRat(new(big.Rat).SetInt(x.BigInt()), n)), nil
	case starlark.Float:
		return roundFloat(float64(x), n, nd == starlark.None)
	}
	return nil, exceptions.TypeError.Errorf("type %s doesn't define __round__ method", pytypes.TypeName(x))
}

// roundFloat rounds f to n decimals, to an int when toInt.
func roundFloat(f float64, n int, toInt bool) (starlark.Value, error) {
	switch {
	case toInt && math.IsInf(f, 0):
		return nil, exceptions.OverflowError.New("cannot convert float infinity to integer")
	case toInt && math.IsNaN(f):
		return nil, exceptions.ValueError.New("cannot convert float NaN to integer")
	case math.IsInf(f, 0) || math.IsNaN(f) || f == 0 && !toInt:
		return starlark.Float(f), nil
	}
	r := roundRat(new(big.Rat).SetFloat64(f), n)
	if toInt {
		return starlark.MakeBigInt(r), nil
	}
	q := new(big.Rat).SetInt(r)
	if n > 0 {
		q.Quo(q, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)))
	}
	out, _ := q.Float64()
	return starlark.Float(math.Copysign(out, f)), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// roundRat returns x·10ⁿ rounded to an integer, ties to even; for n < 0
// the result is scaled back, so it is x rounded to a multiple of 10⁻ⁿ.
func roundRat(x *big.Rat, n int) *big.Int {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(n))), nil)
	y := new(big.Rat).Set(x)
	if n >= 0 {
		y.Mul(y, new(big.Rat).SetInt(scale))
	} else {
		y.Quo(y, new(big.Rat).SetInt(scale))
	}
	q, r := new(big.Int).DivMod(y.Num(), y.Denom(), new(big.Int)) // floor, 0 <= r < den
	switch c := new(big.Int).Lsh(r, 1).Cmp(y.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	if n < 0 {
		q.Mul(q, scale)
	}
	return q
}

// def divmod(a, b)
func divmod(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, y starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &y); err != nil {
		return nil, err
	}
	_, xInt := x.(starlark.Int)
	_, yInt := y.(starlark.Int)
	yf, yNum := starlark.AsFloat(y)
	if _, xNum := starlark.AsFloat(x); !xNum || !yNum {
		return nil, exceptions.TypeError.Errorf("unsupported operand type(s) for divmod(): '%s' and '%s'", pytypes.TypeName(x), pytypes.TypeName(y))
	}
	if yf == 0 {
		if xInt && yInt {
			return nil, exceptions.ZeroDivisionError.New("integer division or modulo by zero")
		}
		return nil, exceptions.ZeroDivisionError.New("float divmod()")
	}
	q, err := starlark.Binary(syntax.SLASHSLASH, x, y)
	if err != nil {
		return nil, err
	}
	r, err := starlark.Binary(syntax.PERCENT, x, y)
	if err != nil {
		return nil, err
	}
	return starlark.Tuple{q, r}, nil
}

// def pow(base, exp, mod=None)
func pow(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var base, exp, mod starlark.Value = nil, nil, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "base", &base, "exp", &exp, "mod?", &mod); err != nil {
		return nil, err
	}
	bi, bInt := base.(starlark.Int)
	ei, eInt := exp.(starlark.Int)
	if mod != starlark.None {
		mi, mInt := mod.(starlark.Int)
		if !bInt || !eInt || !mInt {
			return nil, exceptions.TypeError.New("pow() 3rd argument not allowed unless all arguments are integers")
		}
		return powMod(bi.BigInt(), ei.BigInt(), mi.BigInt())
	}
	if bInt && eInt && ei.Sign() >= 0 {
		if ei.BigInt().BitLen() > 32 {
			return nil, exceptions.OverflowError.New("exponent too large")
		}
		return starlark.MakeBigInt(new(big.Int).Exp(bi.BigInt(), ei.BigInt(), nil)), nil
	}
	x, xok := starlark.AsFloat(base)
	y, yok := starlark.AsFloat(exp)
	if !xok || !yok {
		return nil, exceptions.TypeError.Errorf("unsupported operand type(s) for ** or pow(): '%s' and '%s'", pytypes.TypeName(base), pytypes.TypeName(exp))
	}
	switch {
	case x == 0 && y < 0:
		return nil, exceptions.ZeroDivisionError.New("0.0 cannot be raised to a negative power")
	case x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0):
		return nil, exceptions.ValueError.New("pow(): a negative number to a fractional power is a complex number, which Starlark does not have")
	}
	return starlark.Float(math.Pow(x, y)), nil
}

// powMod is pow(b, e, m) for ints: a negative e uses the inverse of b, and
// the result takes the sign of m, as in Python.
func powMod(b, e, m *big.Int) (starlark.Value, error) {
	if m.Sign() == 0 {
		return nil, exceptions.ValueError.New("pow() 3rd argument cannot be 0")
	}
	am := new(big.Int).Abs(m)
	base := new(big.Int).Mod(b, am)
	if e.Sign() < 0 {
		if base.ModInverse(base, am) == nil {
			return nil, exceptions.ValueError.New("base is not invertible for the given modulus")
		}
		e = new(big.Int).Neg(e)
	}
	r := new(big.Int).Exp(base, e, am)
	if m.Sign() < 0 && r.Sign() != 0 {
		r.Add(r, m)
	}
	return starlark.MakeBigInt(r), nil
}

// radix makes hex, oct and bin.
func radix(base int, prefix string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		i, ok := x.(starlark.Int)
		if !ok {
			return nil, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(x))
		}
		n := i.BigInt()
		sign := ""
		if n.Sign() < 0 {
			sign = "-"
		}
		return starlark.String(sign + prefix + new(big.Int).Abs(n).Text(base)), nil
	}
}

// def next(iterator[, default]): the next item of a value that is its own
// iterator (a csv reader, a file, a Pool.imap result: anything with a
// __next__ or next method, or whose iteration consumes it), or default
// (else StopIteration) at its end. Starlark's lists, tuples, dicts, sets,
// strings and ranges are not iterators, as in Python.
func next(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it, def starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &it, &def); err != nil {
		return nil, err
	}
	v, err := nextOf(thread, it)
	if exceptions.Is(err, exceptions.StopIteration) && def != nil {
		return def, nil
	}
	return v, err
}

func nextOf(thread *starlark.Thread, it starlark.Value) (starlark.Value, error) {
	notIterator := exceptions.TypeError.Errorf("'%s' object is not an iterator", pytypes.TypeName(it))
	switch it.(type) {
	case *starlark.List, starlark.Tuple, *starlark.Dict, *starlark.Set, starlark.String, starlark.Bytes:
		return nil, notIterator
	}
	if ha, ok := it.(starlark.HasAttrs); ok {
		for _, name := range []string{"__next__", "next"} {
			if m, _ := ha.Attr(name); m != nil {
				return CallMethod(thread, it, name)
			}
		}
	}
	iterable, ok := it.(starlark.Iterable)
	if !ok || it.Type() == "range" {
		return nil, notIterator
	}
	iter := iterable.Iterate()
	defer iter.Done()
	var v starlark.Value
	if !iter.Next(&v) {
		return nil, exceptions.StopIteration.New("")
	}
	return v, nil
}
