package random

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestCPythonSequence(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `r = random.Random(42)
print(r.random(), r.random(), r.randint(1, 100), r.randrange(0, 10, 3), r.choice("abcdef"), r.uniform(1, 2))
l = list(range(10)); r.shuffle(l); print(l)
print(r.sample(range(100), 5), r.choices("abc", k=5), r.getrandbits(70))
random.seed(42)
print(random.random(), random.randint(1, 6), random.sample([1, 2, 3, 4], 2))
print(random.Random("hello").random(), random.Random(1208925819614629174706179).random(), random.Random(-5).random(), random.Random(0).random(), random.Random(b"xy").random())`,
			Want: `0.6394267984578837 0.025010755222666936 36 3 b 1.139537928525144
[7, 2, 5, 6, 0, 3, 4, 9, 8, 1]
[29, 64, 77, 3, 71] ["a", "b", "b", "a", "b"] 16035760590688802187
0.6394267984578837 1 [3, 1]
0.3537754404730722 0.17265678958667485 0.6229016948897019 0.8444218515250481 0.9186846552409125`},
	}, New())
}

func TestErrors(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `random.randint(5, 1)`, Err: "ValueError: empty range for randrange() (5, 2, -3)"},
		{Src: `random.choice([])`, Err: "IndexError: Cannot choose from an empty sequence"},
		{Src: `random.sample([1], 2)`, Err: "ValueError: Sample larger than population or is negative"},
		{Src: `random.randrange(0, 10, 0)`, Err: "ValueError: zero step for randrange()"},
		{Src: `random.choices([1], [1], cum_weights=[1])`, Err: "TypeError: Cannot specify both weights and cumulative weights"},
		{Src: `random.Random([1])`, Err: "TypeError: The only supported seed types are"},
	}, New())
}
