package builtins

// Per-run values. A host's predeclared names are of two kinds: code (Go
// builtins, host modules), which every process of the binary registers
// for itself, in ChildMain as in the run; and values (strings, numbers,
// lists, dicts, structs of them), which belong to one run and may differ
// between runs of the same binary. The run's values travel to its
// children with their preparation data, and win there over what the
// child process registered under the same names.

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// valuesKey is the Prep.Extra key of the run's predeclared values.
const valuesKey = "mpstar.values"

// isData reports whether v is a value that crosses to children by copy:
// None, booleans, numbers, strings, bytes, and lists, tuples, dicts, sets
// and structs made of them.
func isData(v starlark.Value) bool {
	switch v := v.(type) {
	case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Bytes:
		return true
	case *starlark.List:
		return allData(v)
	case starlark.Tuple:
		return allData(v)
	case *starlark.Set:
		return allData(v)
	case *starlark.Dict:
		for _, kv := range v.Items() {
			if !isData(kv[0]) || !isData(kv[1]) {
				return false
			}
		}
		return true
	case *starlarkstruct.Struct:
		for _, name := range v.AttrNames() {
			if field, err := v.Attr(name); err != nil || !isData(field) {
				return false
			}
		}
		return true
	}
	return false
}

func allData(it starlark.Iterable) bool {
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		if !isData(x) {
			return false
		}
	}
	return true
}

// encodeValues encodes the data among a run's predeclared names, for its
// children; nil when there are none.
func encodeValues(extra starlark.StringDict) ([]byte, error) {
	values := starlark.NewDict(0)
	for name, v := range extra {
		if isData(v) {
			values.SetKey(starlark.String(name), v)
		}
	}
	if values.Len() == 0 {
		return nil, nil
	}
	return Encode(values, nil)
}

// withRunValues returns extra with the values its parent's run sent (see
// encodeValues) put in, over the names the child registered itself.
func withRunValues(extra starlark.StringDict, prepExtra map[string][]byte) (starlark.StringDict, error) {
	data, ok := prepExtra[valuesKey]
	if !ok {
		return extra, nil
	}
	v, err := Decode(data, nil)
	if err != nil {
		return nil, err
	}
	out := make(starlark.StringDict, len(extra))
	for name, x := range extra {
		out[name] = x
	}
	for _, kv := range v.(*starlark.Dict).Items() {
		out[string(kv[0].(starlark.String))] = kv[1]
	}
	return out, nil
}
