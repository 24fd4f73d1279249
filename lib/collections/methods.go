package collections

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// dictMethods are the dict methods a Counter passes to its dict.
var dictMethods = []string{"clear", "get", "items", "keys", "pop", "popitem", "setdefault", "values"}

var counterMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"most_common": starlark.NewBuiltin("most_common", mostCommon),
		"update":      starlark.NewBuiltin("update", counterAdd(+1)),
		"subtract":    starlark.NewBuiltin("subtract", counterAdd(-1)),
		"elements":    starlark.NewBuiltin("elements", elements),
		"total":       starlark.NewBuiltin("total", total),
		"copy":        starlark.NewBuiltin("copy", counterCopy),
	}
})

// Attr implements starlark.HasAttrs.
func (c *Counter) Attr(name string) (starlark.Value, error) {
	if m, ok := counterMethods.Table()[name]; ok {
		return m.BindReceiver(c), nil
	}
	for _, n := range dictMethods {
		if n == name {
			return c.d.Attr(name)
		}
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (c *Counter) AttrNames() []string {
	return value.AttrNames(counterMethods, dictMethods...)
}

func receiver(b *starlark.Builtin) *Counter { return b.Receiver().(*Counter) }

// def most_common(n=None)
func mostCommon(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	items := receiver(b).mostCommon()
	if n != starlark.None {
		k, err := starlark.AsInt32(n)
		if err != nil {
			return nil, notIndex(n)
		}
		items = items[:min(max(k, 0), len(items))]
	}
	out := make([]starlark.Value, len(items))
	for i, kv := range items {
		out[i] = kv
	}
	return starlark.NewList(out), nil
}

// counterAdd makes update (+1) and subtract (-1).
func counterAdd(sign int) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, receiver(b).add(b.Name(), args, kwargs, sign)
	}
}

// def elements(): each element repeated by its count, counts below one
// ignored.
func elements(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	var out []starlark.Value
	for _, kv := range receiver(b).Items() {
		n, err := starlark.AsInt32(kv[1])
		if err != nil {
			return nil, notIndex(kv[1])
		}
		for ; n > 0; n-- {
			out = append(out, kv[0])
		}
	}
	return starlark.NewList(out), nil
}

// def total(): the sum of the counts.
func total(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	var sum starlark.Value = zero
	for _, kv := range receiver(b).Items() {
		var err error
		if sum, err = starlark.Binary(syntax.PLUS, sum, kv[1]); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// def copy()
func counterCopy(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	out := &Counter{d: starlark.NewDict(receiver(b).Len())}
	for _, kv := range receiver(b).Items() {
		out.d.SetKey(kv[0], kv[1])
	}
	return out, nil
}

// notIndex is Python's error for a count or n that is not a (small enough)
// int.
func notIndex(v starlark.Value) error {
	if _, ok := v.(starlark.Int); ok {
		return exceptions.OverflowError.New("Python int too large to convert to C ssize_t")
	}
	return exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(v))
}
