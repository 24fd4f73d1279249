package collections

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"
)

// Module collections is Python's collections module, with Counter.
//
//	Counter(iterable_or_mapping=None, **kwargs) -> Counter
//
// A Counter is a dict of counts: c[key] is 0 for a missing key; it has
// the dict methods (keys, values, items, get, pop, clear, setdefault) and
// most_common(n=None), update(iterable_or_mapping=None, **kwargs),
// subtract(...), elements(), total() and copy(). c + d, c - d, c | d and
// c & d combine counts as Python's do (keeping positive counts only);
// == compares counts with missing keys as 0, and <, <=, >, >= compare as
// multisets (c <= d: no count of c exceeds d's). Counter("abca") counts a
// str's characters. A Counter sent through a Queue, Pipe or Pool arrives
// as a Counter.
//
// Differences from Python: elements() returns a list, not an iterator.
var Module = value.NewModule("collections", func() starlark.StringDict {
	return starlark.StringDict{
		"Counter": starlark.NewBuiltin("collections.Counter", newCounter),
	}
})
