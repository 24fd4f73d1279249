package json

import (
	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Module json is Starlark's json module with Python's functions added.
//
//	encode(x) -> str                 # Starlark's
//	decode(x[, default]) -> value    # Starlark's
//	encode_indent(x, *, prefix="", indent="\t") -> str
//	indent(str, *, prefix="", indent="\t") -> str
//	dumps(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True,
//	      allow_nan=True, indent=None, separators=None, default=None,
//	      sort_keys=False) -> str
//	dump(obj, fp, **kw)              # fp.write(dumps(obj, **kw))
//	loads(s, *, object_hook=None, parse_float=None, parse_int=None) -> value
//	load(fp, **kw)                   # loads(fp.read(), **kw)
//	JSONDecodeError                  # a ValueError
//
// dumps takes None, bools, ints, floats, strings, lists, tuples and any
// mapping (dict, Counter); anything else goes to default, or fails with
// TypeError as in Python. loads makes dicts, lists, ints, floats, strings,
// bools and None, and accepts NaN and Infinity as Python does.
var Module = value.NewModule("json", members)

func members() starlark.StringDict {
	d := starlark.StringDict{
		"dumps":           starlark.NewBuiltin("json.dumps", dumps),
		"dump":            starlark.NewBuiltin("json.dump", dump),
		"loads":           starlark.NewBuiltin("json.loads", loads),
		"load":            starlark.NewBuiltin("json.load", load),
		"JSONDecodeError": exceptions.JSONDecodeError,
	}
	for k, v := range starjson.Module.Members {
		d[k] = v
	}
	return d
}
