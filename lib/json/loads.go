package json

// loads: Python's json decoder, with its error messages and positions.

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/lib/pybuiltins"
)

// decoder reads one JSON document.
type decoder struct {
	thread     *starlark.Thread
	s          string
	objectHook starlark.Value
	parseFloat starlark.Value
	parseInt   starlark.Value
	depth      int
}

// fail is the JSONDecodeError for a problem at byte offset pos, with
// Python's line, column and character position.
func (d *decoder) fail(msg string, pos int) error {
	before := d.s[:pos]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return exceptions.JSONDecodeError.Errorf("%s: line %d column %d (char %d)", msg, line, col, utf8.RuneCountInString(before))
}

func (d *decoder) skipSpace(i int) int {
	for i < len(d.s) && strings.IndexByte(" \t\n\r", d.s[i]) >= 0 {
		i++
	}
	return i
}

// document decodes the whole string.
func (d *decoder) document() (starlark.Value, error) {
	v, i, err := d.value(d.skipSpace(0))
	if err != nil {
		return nil, err
	}
	if i = d.skipSpace(i); i != len(d.s) {
		return nil, d.fail("Extra data", i)
	}
	return v, nil
}

// literals are the names JSON (and Python's decoder) accept as values.
var literals = []struct {
	name  string
	value starlark.Value
}{
	{"null", starlark.None}, {"true", starlark.True}, {"false", starlark.False},
	{"NaN", starlark.Float(math.NaN())}, {"Infinity", starlark.Float(math.Inf(1))}, {"-Infinity", starlark.Float(math.Inf(-1))},
}

// value decodes the value at i and returns the index after it.
func (d *decoder) value(i int) (starlark.Value, int, error) {
	if i >= len(d.s) {
		return nil, i, d.fail("Expecting value", i)
	}
	switch c := d.s[i]; {
	case c == '"':
		s, end, err := d.str(i)
		return starlark.String(s), end, err
	case c == '{':
		return d.nested(i, d.object)
	case c == '[':
		return d.nested(i, d.array)
	case c == '-' || c >= '0' && c <= '9':
		if v, end, ok, err := d.number(i); ok || err != nil {
			return v, end, err
		}
	}
	for _, l := range literals {
		if strings.HasPrefix(d.s[i:], l.name) {
			return l.value, i + len(l.name), nil
		}
	}
	return nil, i, d.fail("Expecting value", i)
}

// nested decodes an object or array, bounding the depth as Python's
// recursion limit does.
func (d *decoder) nested(i int, f func(int) (starlark.Value, int, error)) (starlark.Value, int, error) {
	if d.depth++; d.depth > 1000 {
		return nil, i, exceptions.RecursionError.New("maximum recursion depth exceeded while decoding a JSON document")
	}
	defer func() { d.depth-- }()
	return f(i)
}

// number decodes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?; ok is
// false if there is no number at i (a lone "-").
func (d *decoder) number(i int) (v starlark.Value, end int, ok bool, err error) {
	j := i
	if d.s[j] == '-' {
		j++
	}
	digits := func(k int) int {
		for k < len(d.s) && d.s[k] >= '0' && d.s[k] <= '9' {
			k++
		}
		return k
	}
	switch {
	case j < len(d.s) && d.s[j] == '0':
		j++
	case j < len(d.s) && d.s[j] >= '1' && d.s[j] <= '9':
		j = digits(j)
	default:
		return nil, i, false, nil
	}
	isFloat := false
	if j+1 < len(d.s) && d.s[j] == '.' && d.s[j+1] >= '0' && d.s[j+1] <= '9' {
		j, isFloat = digits(j+1), true
	}
	if j < len(d.s) && (d.s[j] == 'e' || d.s[j] == 'E') {
		k := j + 1
		if k < len(d.s) && (d.s[k] == '-' || d.s[k] == '+') {
			k++
		}
		if e := digits(k); e > k {
			j, isFloat = e, true
		}
	}
	text := d.s[i:j]
	if isFloat && d.parseFloat != nil || !isFloat && d.parseInt != nil {
		hook := d.parseInt
		if isFloat {
			hook = d.parseFloat
		}
		v, err := starlark.Call(d.thread, hook, starlark.Tuple{starlark.String(text)}, nil)
		return v, j, true, err
	}
	if isFloat {
		f, _ := strconv.ParseFloat(text, 64)
		return starlark.Float(f), j, true, nil
	}
	n, _ := new(big.Int).SetString(text, 10)
	return starlark.MakeBigInt(n), j, true, nil
}

// str decodes the string whose opening quote is at i.
func (d *decoder) str(i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for {
		k := j
		for k < len(d.s) && d.s[k] != '"' && d.s[k] != '\\' && d.s[k] >= 0x20 {
			k++
		}
		b.WriteString(d.s[j:k])
		if k >= len(d.s) {
			return "", k, d.fail("Unterminated string starting at", i)
		}
		switch d.s[k] {
		case '"':
			return b.String(), k + 1, nil
		case '\\':
			end, err := d.escape(k, &b)
			if err != nil {
				return "", end, err
			}
			j = end
		default:
			return "", k, d.fail("Invalid control character at", k)
		}
	}
}

var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape decodes the escape whose backslash is at k.
func (d *decoder) escape(k int, b *strings.Builder) (int, error) {
	if k+1 >= len(d.s) {
		return k, d.fail("Unterminated string starting at", k)
	}
	if c, ok := simpleEscapes[d.s[k+1]]; ok {
		b.WriteByte(c)
		return k + 2, nil
	}
	if d.s[k+1] != 'u' {
		return k, d.fail("Invalid \\escape", k)
	}
	r, ok := d.hex4(k + 2)
	if !ok {
		return k, d.fail("Invalid \\uXXXX escape", k+1)
	}
	end := k + 6
	if utf16.IsSurrogate(r) && strings.HasPrefix(d.s[end:], `\u`) {
		if r2, ok := d.hex4(end + 2); ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
			r, end = utf16.DecodeRune(r, r2), end+6
		}
	}
	b.WriteRune(r)
	return end, nil
}

func (d *decoder) hex4(i int) (rune, bool) {
	if i+4 > len(d.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(d.s[i:i+4], 16, 32)
	return rune(v), err == nil
}

// object decodes the object whose { is at i.
func (d *decoder) object(i int) (starlark.Value, int, error) {
	dict := starlark.NewDict(0)
	i = d.skipSpace(i + 1)
	if i < len(d.s) && d.s[i] == '}' {
		return d.hook(dict, i+1)
	}
	for {
		if i >= len(d.s) || d.s[i] != '"' {
			return nil, i, d.fail("Expecting property name enclosed in double quotes", i)
		}
		key, end, err := d.str(i)
		if err != nil {
			return nil, end, err
		}
		if i = d.skipSpace(end); i >= len(d.s) || d.s[i] != ':' {
			return nil, i, d.fail("Expecting ':' delimiter", i)
		}
		v, end, err := d.value(d.skipSpace(i + 1))
		if err != nil {
			return nil, end, err
		}
		dict.SetKey(starlark.String(key), v)
		i = d.skipSpace(end)
		if i < len(d.s) && d.s[i] == '}' {
			return d.hook(dict, i+1)
		}
		if i >= len(d.s) || d.s[i] != ',' {
			return nil, i, d.fail("Expecting ',' delimiter", i)
		}
		i = d.skipSpace(i + 1)
	}
}

// hook passes a decoded object through object_hook.
func (d *decoder) hook(dict *starlark.Dict, end int) (starlark.Value, int, error) {
	if d.objectHook == nil {
		return dict, end, nil
	}
	v, err := starlark.Call(d.thread, d.objectHook, starlark.Tuple{dict}, nil)
	return v, end, err
}

// array decodes the array whose [ is at i.
func (d *decoder) array(i int) (starlark.Value, int, error) {
	var elems []starlark.Value
	i = d.skipSpace(i + 1)
	if i < len(d.s) && d.s[i] == ']' {
		return starlark.NewList(nil), i + 1, nil
	}
	for {
		v, end, err := d.value(i)
		if err != nil {
			return nil, end, err
		}
		elems = append(elems, v)
		i = d.skipSpace(end)
		if i < len(d.s) && d.s[i] == ']' {
			return starlark.NewList(elems), i + 1, nil
		}
		if i >= len(d.s) || d.s[i] != ',' {
			return nil, i, d.fail("Expecting ',' delimiter", i)
		}
		i = d.skipSpace(i + 1)
	}
}

// decode runs loads on s with the hooks of kwargs.
func decode(thread *starlark.Thread, fn string, s starlark.Value, kwargs []starlark.Tuple) (starlark.Value, error) {
	d := &decoder{thread: thread}
	var hook, pf, pi starlark.Value = starlark.None, starlark.None, starlark.None
	if err := starlark.UnpackArgs(fn, nil, kwargs, "object_hook?", &hook, "parse_float?", &pf, "parse_int?", &pi); err != nil {
		return nil, err
	}
	for _, h := range []struct {
		v   starlark.Value
		dst *starlark.Value
	}{{hook, &d.objectHook}, {pf, &d.parseFloat}, {pi, &d.parseInt}} {
		if h.v != starlark.None {
			*h.dst = h.v
		}
	}
	switch s := s.(type) {
	case starlark.String:
		d.s = string(s)
	case starlark.Bytes:
		d.s = string(s)
	default:
		return nil, exceptions.TypeError.Errorf("the JSON object must be str, bytes or bytearray, not %s", pytypes.TypeName(s))
	}
	return d.document()
}

// def loads(s, **kw)
func loads(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &s); err != nil {
		return nil, err
	}
	return decode(thread, b.Name(), s, kwargs)
}

// def load(fp, **kw)
func load(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fp starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &fp); err != nil {
		return nil, err
	}
	s, err := pybuiltins.CallMethod(thread, fp, "read")
	if err != nil {
		return nil, err
	}
	return decode(thread, b.Name(), s, kwargs)
}
