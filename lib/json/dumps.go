package json

// dumps: Python's json encoder, byte for byte.

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/lib/pybuiltins"
)

// encoder holds dumps' options.
type encoder struct {
	thread        *starlark.Thread
	skipkeys      bool
	ensureASCII   bool
	checkCircular bool
	allowNaN      bool
	indent        *string // nil: one line
	itemSep       string
	keySep        string
	def           starlark.Callable
	sortKeys      bool
	b             strings.Builder
	stack         []starlark.Value // containers being encoded, for cycles
}

// unpack reads the keyword-only parameters of dumps and dump.
func (e *encoder) unpack(fn string, kwargs []starlark.Tuple) error {
	var indent, separators, def starlark.Value = starlark.None, starlark.None, starlark.None
	e.ensureASCII, e.checkCircular, e.allowNaN = true, true, true
	if err := starlark.UnpackArgs(fn, nil, kwargs, "skipkeys?", &e.skipkeys, "ensure_ascii?", &e.ensureASCII,
		"check_circular?", &e.checkCircular, "allow_nan?", &e.allowNaN, "indent?", &indent,
		"separators?", &separators, "default?", &def, "sort_keys?", &e.sortKeys); err != nil {
		return err
	}
	switch v := indent.(type) {
	case starlark.NoneType:
	case starlark.Int:
		n, _ := v.Int64()
		s := strings.Repeat(" ", int(max(n, 0)))
		e.indent = &s
	case starlark.String:
		s := string(v)
		e.indent = &s
	default:
		return exceptions.TypeError.Errorf("%s: indent must be None, an int or a str, not %s", fn, pytypes.TypeName(indent))
	}
	e.itemSep, e.keySep = ", ", ": "
	if e.indent != nil {
		e.itemSep = ","
	}
	if separators != starlark.None {
		var item, key string
		t, ok := separators.(starlark.Tuple)
		if !ok || len(t) != 2 || starlark.UnpackPositionalArgs(fn, t, nil, 2, &item, &key) != nil {
			return exceptions.TypeError.Errorf("%s: separators must be an (item_separator, key_separator) tuple of str", fn)
		}
		e.itemSep, e.keySep = item, key
	}
	if def != starlark.None {
		fn, ok := def.(starlark.Callable)
		if !ok {
			return exceptions.TypeError.Errorf("'%s' object is not callable", pytypes.TypeName(def))
		}
		e.def = fn
	}
	return nil
}

// newline starts a line at the given depth when indenting.
func (e *encoder) newline(depth int) {
	if e.indent != nil {
		e.b.WriteByte('\n')
		e.b.WriteString(strings.Repeat(*e.indent, depth))
	}
}

// encode writes v at the given nesting depth.
func (e *encoder) encode(v starlark.Value, depth int) error {
	switch x := v.(type) {
	case starlark.NoneType:
		e.b.WriteString("null")
	case starlark.Bool:
		e.b.WriteString(map[bool]string{true: "true", false: "false"}[bool(x)])
	case starlark.Int:
		e.b.WriteString(x.String())
	case starlark.Float:
		s, err := e.float(float64(x))
		if err != nil {
			return err
		}
		e.b.WriteString(s)
	case starlark.String:
		e.str(string(x))
	case starlark.IterableMapping:
		return e.container(v, depth, func() error { return e.object(x, depth) })
	case *starlark.List, starlark.Tuple:
		return e.container(v, depth, func() error { return e.array(x.(starlark.Indexable), depth) })
	default:
		if e.def == nil {
			return exceptions.TypeError.Errorf("Object of type %s is not JSON serializable", pytypes.TypeName(v))
		}
		r, err := starlark.Call(e.thread, e.def, starlark.Tuple{v}, nil)
		if err != nil {
			return err
		}
		return e.container(v, depth, func() error { return e.encode(r, depth) })
	}
	return nil
}

// container encodes a list, dict or default()'s value, failing on a cycle.
func (e *encoder) container(v starlark.Value, depth int, body func() error) error {
	if e.checkCircular {
		for _, s := range e.stack {
			if s == v {
				return exceptions.ValueError.New("Circular reference detected")
			}
		}
		e.stack = append(e.stack, v)
		defer func() { e.stack = e.stack[:len(e.stack)-1] }()
	}
	if depth > 1000 {
		return exceptions.RecursionError.New("maximum recursion depth exceeded while encoding a JSON object")
	}
	return body()
}

func (e *encoder) array(l starlark.Indexable, depth int) error {
	if l.Len() == 0 {
		e.b.WriteString("[]")
		return nil
	}
	e.b.WriteByte('[')
	for i := 0; i < l.Len(); i++ {
		if i > 0 {
			e.b.WriteString(e.itemSep)
		}
		e.newline(depth + 1)
		if err := e.encode(l.Index(i), depth+1); err != nil {
			return err
		}
	}
	e.newline(depth)
	e.b.WriteByte(']')
	return nil
}

func (e *encoder) object(m starlark.IterableMapping, depth int) error {
	items := m.Items()
	if e.sortKeys {
		var err error
		sort.SliceStable(items, func(i, j int) bool {
			less, cmpErr := starlark.Compare(syntax.LT, items[i][0], items[j][0])
			if cmpErr != nil && err == nil {
				err = exceptions.TypeError.Errorf("'<' not supported between instances of '%s' and '%s'", pytypes.TypeName(items[i][0]), pytypes.TypeName(items[j][0]))
			}
			return less
		})
		if err != nil {
			return err
		}
	}
	if len(items) == 0 {
		e.b.WriteString("{}")
		return nil
	}
	e.b.WriteByte('{')
	first := true
	for _, kv := range items {
		key, ok, err := e.key(kv[0])
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if !first {
			e.b.WriteString(e.itemSep)
		}
		first = false
		e.newline(depth + 1)
		e.str(key)
		e.b.WriteString(e.keySep)
		if err := e.encode(kv[1], depth+1); err != nil {
			return err
		}
	}
	e.newline(depth)
	e.b.WriteByte('}')
	return nil
}

// key converts a dict key to the string JSON needs, as Python does; ok is
// false for a key skipkeys drops.
func (e *encoder) key(k starlark.Value) (string, bool, error) {
	switch k := k.(type) {
	case starlark.String:
		return string(k), true, nil
	case starlark.Int:
		return k.String(), true, nil
	case starlark.Float:
		s, err := e.float(float64(k))
		return s, err == nil, err
	case starlark.Bool:
		return map[bool]string{true: "true", false: "false"}[bool(k)], true, nil
	case starlark.NoneType:
		return "null", true, nil
	}
	if e.skipkeys {
		return "", false, nil
	}
	return "", false, exceptions.TypeError.Errorf("keys must be str, int, float, bool or None, not %s", pytypes.TypeName(k))
}

// float is Python's float.__repr__, with JavaScript's names for the
// values JSON lacks.
func (e *encoder) float(f float64) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		if !e.allowNaN {
			return "", exceptions.ValueError.New("Out of range float values are not JSON compliant")
		}
		switch {
		case math.IsNaN(f):
			return "NaN", nil
		case f > 0:
			return "Infinity", nil
		}
		return "-Infinity", nil
	}
	return pybuiltins.Format(starlark.Float(f), "")
}

// str writes a JSON string as Python's encoder does: with ensure_ascii
// everything outside space..~ is escaped (as \uXXXX, surrogate pairs above
// U+FFFF); without it only quotes, backslashes and control characters are.
func (e *encoder) str(s string) {
	e.b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			e.b.WriteString(`\"`)
		case r == '\\':
			e.b.WriteString(`\\`)
		case r == '\n':
			e.b.WriteString(`\n`)
		case r == '\r':
			e.b.WriteString(`\r`)
		case r == '\t':
			e.b.WriteString(`\t`)
		case r == '\b':
			e.b.WriteString(`\b`)
		case r == '\f':
			e.b.WriteString(`\f`)
		case r < 0x20 || e.ensureASCII && r > '~':
			e.escape(r)
		default:
			e.b.WriteRune(r)
		}
	}
	e.b.WriteByte('"')
}

func (e *encoder) escape(r rune) {
	if r == utf8.RuneError || r <= 0xffff {
		fmt.Fprintf(&e.b, `\u%04x`, r)
		return
	}
	r -= 0x10000
	fmt.Fprintf(&e.b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
}

// def dumps(obj, **kw)
func dumps(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &obj); err != nil {
		return nil, err
	}
	s, err := encode(thread, b.Name(), obj, kwargs)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

func encode(thread *starlark.Thread, fn string, obj starlark.Value, kwargs []starlark.Tuple) (string, error) {
	e := &encoder{thread: thread}
	if err := e.unpack(fn, kwargs); err != nil {
		return "", err
	}
	if err := e.encode(obj, 0); err != nil {
		return "", err
	}
	return e.b.String(), nil
}

// def dump(obj, fp, **kw)
func dump(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj, fp starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 2, &obj, &fp); err != nil {
		return nil, err
	}
	s, err := encode(thread, b.Name(), obj, kwargs)
	if err != nil {
		return nil, err
	}
	_, err = pybuiltins.CallMethod(thread, fp, "write", starlark.String(s))
	return starlark.None, err
}
