package collections

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// Counter is collections.Counter: a dict from elements to counts.
type Counter struct {
	d *starlark.Dict
}

var (
	_ starlark.IterableMapping = (*Counter)(nil)
	_ starlark.HasSetKey       = (*Counter)(nil)
	_ starlark.HasBinary       = (*Counter)(nil)
	_ starlark.HasAttrs        = (*Counter)(nil)
	_ starlark.Comparable      = (*Counter)(nil)
	_ starlark.Container       = (*Counter)(nil)
)

var zero = starlark.MakeInt(0)

// def Counter(iterable_or_mapping=None, **kwargs)
func newCounter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := &Counter{d: starlark.NewDict(0)}
	if err := c.add(b.Name(), args, kwargs, +1); err != nil {
		return nil, err
	}
	return c, nil
}

// add counts the elements of an iterable, or adds the counts of a mapping
// and of kwargs, each multiplied by sign: update (+1) and subtract (-1).
func (c *Counter) add(fn string, args starlark.Tuple, kwargs []starlark.Tuple, sign int) error {
	var src starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(fn, args, nil, 0, &src); err != nil {
		return err
	}
	var items []starlark.Tuple
	switch src := src.(type) {
	case starlark.NoneType:
	case starlark.String: // Python counts a str's characters
		for _, ch := range string(src) {
			if err := c.bump(starlark.String(string(ch)), starlark.MakeInt(sign)); err != nil {
				return err
			}
		}
	case starlark.IterableMapping:
		items = src.Items()
	case starlark.Iterable:
		iter := starlark.Iterate(src)
		defer iter.Done()
		var x starlark.Value
		for iter.Next(&x) {
			if err := c.bump(x, starlark.MakeInt(sign)); err != nil {
				return err
			}
		}
	default:
		return exceptions.TypeError.Errorf("'%s' object is not iterable", pytypes.TypeName(src))
	}
	for _, kv := range append(items, kwargs...) {
		n := kv[1]
		if sign < 0 {
			var err error
			if n, err = starlark.Binary(syntax.MINUS, zero, n); err != nil {
				return err
			}
		}
		if err := c.bump(kv[0], n); err != nil {
			return err
		}
	}
	return nil
}

// bump adds n to the count of k.
func (c *Counter) bump(k, n starlark.Value) error {
	old, _, err := c.Get(k)
	if err != nil {
		return err
	}
	sum, err := starlark.Binary(syntax.PLUS, old, n)
	if err != nil {
		return err
	}
	return c.d.SetKey(k, sum)
}

// Get is c[k]: the count, 0 for a missing key.
func (c *Counter) Get(k starlark.Value) (starlark.Value, bool, error) {
	v, found, err := c.d.Get(k)
	if err != nil || !found {
		return zero, true, err
	}
	return v, true, nil
}

// SetKey implements c[k] = v.
func (c *Counter) SetKey(k, v starlark.Value) error { return c.d.SetKey(k, v) }

// Items implements starlark.IterableMapping, in insertion order.
func (c *Counter) Items() []starlark.Tuple { return c.d.Items() }

// Iterate yields the keys.
func (c *Counter) Iterate() starlark.Iterator { return c.d.Iterate() }

// Len is the number of distinct elements.
func (c *Counter) Len() int { return c.d.Len() }

// String is repr(c), most common first: Counter({"a": 2, "b": 1}).
func (c *Counter) String() string {
	items := c.mostCommon()
	if len(items) == 0 {
		return "Counter()"
	}
	parts := make([]string, len(items))
	for i, kv := range items {
		parts[i] = kv[0].String() + ": " + kv[1].String()
	}
	return "Counter({" + strings.Join(parts, ", ") + "})"
}

// Type implements starlark.Value.
func (c *Counter) Type() string { return "Counter" }

// Freeze implements starlark.Value.
func (c *Counter) Freeze() { c.d.Freeze() }

// Truth is true for a non-empty counter.
func (c *Counter) Truth() starlark.Bool { return c.d.Len() > 0 }

// Hash fails: a counter is mutable.
func (c *Counter) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: Counter") }

// mostCommon returns the items by decreasing count, ties in insertion
// order, as Python's most_common.
func (c *Counter) mostCommon() []starlark.Tuple {
	items := c.d.Items()
	sort.SliceStable(items, func(i, j int) bool {
		less, err := starlark.Compare(syntax.GT, items[i][1], items[j][1])
		return err == nil && less
	})
	return items
}

// CompareSameType implements the comparisons as Python 3.10's: missing
// keys count as 0; c <= d when every count of c is at most d's (c is a
// sub-multiset of d), c < d when also c != d, and >= and > likewise.
func (c *Counter) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o := y.(*Counter)
	switch op {
	case syntax.EQL, syntax.NEQ:
		eq, err := c.sameCounts(o)
		return eq == (op == syntax.EQL), err
	case syntax.LE, syntax.GE:
		return c.allCounts(op, o)
	}
	// < and >: <= or >=, and not equal.
	weak := map[syntax.Token]syntax.Token{syntax.LT: syntax.LE, syntax.GT: syntax.GE}[op]
	ok, err := c.allCounts(weak, o)
	if err != nil || !ok {
		return false, err
	}
	eq, err := c.sameCounts(o)
	return !eq, err
}

// allCounts reports whether c[k] op o[k] holds for every key of either.
func (c *Counter) allCounts(op syntax.Token, o *Counter) (bool, error) {
	for _, src := range []*Counter{c, o} {
		for _, kv := range src.Items() {
			x, _, _ := c.Get(kv[0])
			y, _, _ := o.Get(kv[0])
			if ok, err := starlark.Compare(op, x, y); err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

func (c *Counter) sameCounts(o *Counter) (bool, error) {
	for _, pair := range [][2]*Counter{{c, o}, {o, c}} {
		for _, kv := range pair[0].Items() {
			other, _, _ := pair[1].Get(kv[0])
			if eq, err := starlark.Equal(kv[1], other); err != nil || !eq {
				return false, err
			}
		}
	}
	return true, nil
}

// Binary implements c + d, c - d, c | d and c & d.
func (c *Counter) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	o, ok := y.(*Counter)
	if !ok {
		return nil, nil
	}
	a, b := c, o
	if side == starlark.Right {
		a, b = o, c
	}
	combine, ok := combiners[op]
	if !ok {
		return nil, nil
	}
	return a.combine(b, combine)
}

// combiners give the new count of an element from its counts in the two
// operands; only positive results are kept.
var combiners = map[syntax.Token]func(x, y starlark.Value) (starlark.Value, error){
	syntax.PLUS:  func(x, y starlark.Value) (starlark.Value, error) { return starlark.Binary(syntax.PLUS, x, y) },
	syntax.MINUS: func(x, y starlark.Value) (starlark.Value, error) { return starlark.Binary(syntax.MINUS, x, y) },
	syntax.PIPE:  func(x, y starlark.Value) (starlark.Value, error) { return pick(syntax.GE, x, y) },
	syntax.AMP:   func(x, y starlark.Value) (starlark.Value, error) { return pick(syntax.LE, x, y) },
}

// pick returns x if x op y holds, else y: max (GE) and min (LE).
func pick(op syntax.Token, x, y starlark.Value) (starlark.Value, error) {
	ok, err := starlark.Compare(op, x, y)
	if ok {
		return x, err
	}
	return y, err
}

// combine builds a new counter from the elements of both, first a's in
// order, then b's others.
func (a *Counter) combine(b *Counter, f func(x, y starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	out := &Counter{d: starlark.NewDict(0)}
	for _, src := range []*Counter{a, b} {
		for _, kv := range src.Items() {
			if src == b {
				if _, found, _ := a.d.Get(kv[0]); found {
					continue
				}
			}
			x, _, _ := a.Get(kv[0])
			y, _, _ := b.Get(kv[0])
			n, err := f(x, y)
			if err != nil {
				return nil, err
			}
			if pos, err := starlark.Compare(syntax.GT, n, zero); err != nil {
				return nil, err
			} else if pos {
				out.d.SetKey(kv[0], n)
			}
		}
	}
	return out, nil
}

// Has implements `k in c`: whether k has a count, even zero, as in Python.
func (c *Counter) Has(k starlark.Value) (bool, error) {
	_, found, err := c.d.Get(k)
	return found, err
}
