package csv

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

// sink is a file-like value collecting what a writer writes.
const sink = `
out = []
def write(s):
    out.append(s)
    return len(s)
f = struct(write = write)
`

func TestReader(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `print(list(csv.reader(['a,"b,c",d', 'x,"y""z"'])))`, Want: `[["a", "b,c", "d"], ["x", "y\"z"]]`},
		{Src: `print(list(csv.reader(['"a', 'b",c\n', "\n", "d\r\n"])))`, Want: `[["ab", "c"], [], ["d"]]`},
		{Src: `print(list(csv.reader(['a b"c,"d"e'])))`, Want: `[["a b\"c", "de"]]`},
		{Src: `print(list(csv.reader(["a\\,b"], escapechar="\\")), list(csv.reader(['a,"b'])))`, Want: `[["a,b"]] [["a", "b"]]`},
		{Src: `print(list(csv.reader(['1," 2",x'], quoting=csv.QUOTE_NONNUMERIC, skipinitialspace=True)))`, Err: "ValueError: could not convert string to float: 'x'"},
		{Src: `print(list(csv.reader([' 1,"2"'], quoting=csv.QUOTE_NONNUMERIC)))`, Want: `[[1.0, "2"]]`},
		{Src: `print(list(csv.reader(['a,"b'], strict=True)))`, Err: "_csv.Error: unexpected end of data"},
		{Src: `print(list(csv.reader(['"a"b'], strict=True)))`, Err: "_csv.Error: ',' expected after '\"'"},
		{Src: `csv.reader([1])`, Err: "iterator should return strings, not int"},
		{Src: `csv.reader(["a"], quoting=csv.QUOTE_NONE, quotechar=None); csv.reader(["a"], quotechar=None)`, Err: "TypeError: quotechar must be set if quoting enabled"},
		{Src: `r = csv.reader(["a", "b", "c"])
for row in r:
    print(row, r.line_num)
    break
print(list(r), r.line_num)`, Want: "[\"a\"] 1\n[[\"b\"], [\"c\"]] 3"},
		{Src: `r = csv.DictReader(["a,b", "1"])
print(r.fieldnames, list(r), r.fieldnames)
print(csv.DictReader([]).fieldnames, list(csv.DictReader([])))`, Want: "[\"a\", \"b\"] [{\"a\": \"1\", \"b\": None}] [\"a\", \"b\"]\nNone []"},
	}, Module)
}

func TestWriter(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: sink + `csv.writer(f).writerow(["a", "b c", 'q"x', "1,2", None, 3, 2.5, "l\nb", " s"])
print(out)`, Want: `["a,b c,\"q\"\"x\",\"1,2\",,3,2.5,\"l\nb\", s\r\n"]`},
		{Src: sink + `w = csv.writer(f, lineterminator="\n")
w.writerows([[""], [], [None], ["", ""]])
print(out)`, Want: `["\"\"\n", "\n", "\"\"\n", ",\n"]`},
		{Src: sink + `csv.writer(f, quoting=csv.QUOTE_NONNUMERIC).writerow(["a", 1, 2.0, True, None])
csv.writer(f, quoting=csv.QUOTE_NONE, escapechar="\\").writerow(['a,"b'])
csv.writer(f, doublequote=False, escapechar="\\").writerow(['a"b'])
print(out)`, Want: `["\"a\",1,2.0,True,\"\"\r\n", "a\\,\\\"b\r\n", "a\\\"b\r\n"]`},
		{Src: sink + `csv.writer(f, lineterminator="\n").writerow([1e9, 0.1 + 0.2, float("inf"), 1e22, 2.5])
print(out)`, Want: `["1000000000.0,0.30000000000000004,inf,1e+22,2.5\n"]`},
		{Src: sink + `csv.writer(f, quoting=csv.QUOTE_NONE).writerow(['a,b'])`, Err: "_csv.Error: need to escape, but no escapechar set"},
		{Src: `csv.writer(1)`, Err: `TypeError: argument 1 must have a "write" method`},
		{Src: sink + `w = csv.DictWriter(f, ["a", "b"], restval="-")
w.writeheader()
w.writerow({"b": 2})
print(out, w.fieldnames)`, Want: `["a,b\r\n", "-,2\r\n"] ["a", "b"]`},
		{Src: sink + `csv.DictWriter(f, ["a"]).writerow({"a": 1, "c": 2, "d": 3})`, Err: "ValueError: dict contains fields not in fieldnames: 'c', 'd'"},
	}, Module)
}
