package collections

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestCounter(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `c = collections.Counter(["b", "a", "b", "c", "a", "b"])
print(c, c.most_common(1), c["zz"], "zz" in c, len(c))`, Want: `Counter({"b": 3, "a": 2, "c": 1}) [("b", 3)] 0 False 3`},
		{Src: `c = collections.Counter()
for w in "a b a".split():
    c[w] += 1
c.update({"a": 1}, b=2)
c.subtract(["b"])
print(c.most_common(), c.total(), c.elements())`, Want: `[("a", 3), ("b", 2)] 5 ["a", "a", "a", "b", "b"]`},
		{Src: `a = collections.Counter(a=3, b=1)
b = collections.Counter(a=1, b=2, c=1)
print(a + b, a - b, a | b, a & b)`, Want: `Counter({"a": 4, "b": 3, "c": 1}) Counter({"a": 2}) Counter({"a": 3, "b": 2, "c": 1}) Counter({"a": 1, "b": 1})`},
		{Src: `print(collections.Counter(a=1) == collections.Counter(a=1, b=0), collections.Counter(a=1) != collections.Counter(a=2))`, Want: "True True"},
		{Src: `print(collections.Counter(a=1) < collections.Counter(a=2), collections.Counter(a=2) <= collections.Counter(a=1), collections.Counter(a=1) >= collections.Counter(a=1, b=0))`, Want: "True False True"},
		{Src: `c = collections.Counter()
c["a"] = "x"
print(collections.Counter(a=1) < c)`, Err: "int <= string not implemented"},
		{Src: `print(collections.Counter("abca").most_common())`, Want: `[("a", 2), ("b", 1), ("c", 1)]`},
		{Src: `collections.Counter(5)`, Err: "TypeError: 'int' object is not iterable"},
	}, Module)
}
