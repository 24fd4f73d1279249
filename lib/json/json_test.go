package json

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestDumps(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `print(json.dumps({"b": [1, 2.5, None, True], "a": "é😀\x7f"}))`, Want: `{"b": [1, 2.5, null, true], "a": "\u00e9\ud83d\ude00\u007f"}`},
		{Src: `print(json.dumps("é😀\x7f", ensure_ascii=False) == '"é😀\x7f"')`, Want: "True"},
		{Src: `print(json.dumps({"b": [1], "a": {}}, indent=1, sort_keys=True))`, Want: "{\n \"a\": {},\n \"b\": [\n  1\n ]\n}"},
		{Src: `print(json.dumps([1e16, 1.0, -0.0, 1e-7, 0.1], separators=(",", ":")))`, Want: `[1e+16,1.0,-0.0,1e-07,0.1]`},
		{Src: `print(json.dumps({1: 1, 2.5: 2, None: 3, False: 4}))`, Want: `{"1": 1, "2.5": 2, "null": 3, "false": 4}`},
		{Src: `json.dumps({(1,): 1})`, Err: "TypeError: keys must be str, int, float, bool or None, not tuple"},
		{Src: `json.dumps([float("nan")], allow_nan=False)`, Err: "ValueError: Out of range float values are not JSON compliant"},
		{Src: `json.dumps(struct(a = 1))`, Err: "TypeError: Object of type struct is not JSON serializable"},
		{Src: `l = []; l.append(l); json.dumps(l)`, Err: "ValueError: Circular reference detected"},
		{Src: `print(json.dumps(set([1]), default = list), json.encode({"x": 1}))`, Want: `[1] {"x":1}`},
	}, Module)
}

func TestLoads(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `print(json.loads('{"a": [1, 2.5, -0, 1E2, true, null, "\\u00e9\\ud83d\\ude00"]}'))`, Want: `{"a": [1, 2.5, 0, 100.0, True, None, "é😀"]}`},
		{Src: `print(json.loads("123456789012345678901234567890") + 1)`, Want: "123456789012345678901234567891"},
		{Src: `print(json.loads('{"k": 1}', object_hook = lambda d: d["k"]), json.loads("[-Infinity]"))`, Want: "1 [-inf]"},
		{Src: `json.loads('[1,\n 2 3]')`, Err: "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 2 column 4 (char 7)"},
		{Src: `json.loads('{"é": "x\n"}')`, Err: "json.decoder.JSONDecodeError: Invalid control character at: line 1 column 9 (char 8)"},
		{Src: `json.loads("[1] 2")`, Err: "json.decoder.JSONDecodeError: Extra data: line 1 column 5 (char 4)"},
		{Src: `json.loads(None)`, Err: "TypeError: the JSON object must be str, bytes or bytearray, not NoneType"},
	}, Module)
}
