package csv

// Dialects: the format parameters shared by readers and writers.

import (
	"unicode/utf8"

	"go.starlark.net/starlark"
)

// Python's quoting modes, csv.QUOTE_*.
const (
	quoteMinimal = iota
	quoteAll
	quoteNonnumeric
	quoteNone
)

// dialect holds the format parameters, as Python's csv.Dialect.
type dialect struct {
	delimiter        rune
	quotechar        rune // 0: none
	escapechar       rune // 0: none
	doublequote      bool
	skipinitialspace bool
	lineterminator   string
	quoting          int
	strict           bool
}

// dialects are the registered dialects by name.
var dialects = map[string]dialect{
	"excel":     {delimiter: ',', quotechar: '"', doublequote: true, lineterminator: "\r\n"},
	"excel-tab": {delimiter: '\t', quotechar: '"', doublequote: true, lineterminator: "\r\n"},
	"unix":      {delimiter: ',', quotechar: '"', doublequote: true, lineterminator: "\n", quoting: quoteAll},
}

// fmtParams are the keyword arguments that override a dialect's fields.
var fmtParams = []string{"delimiter", "quotechar", "escapechar", "doublequote", "skipinitialspace", "lineterminator", "quoting", "strict"}

// newDialect builds the dialect a call asks for: the named (default excel)
// dialect with the given keyword overrides, checked as Python checks them.
func newDialect(name starlark.Value, kw map[string]starlark.Value) (dialect, error) {
	d := dialects["excel"]
	if name != nil {
		s, ok := name.(starlark.String)
		if !ok {
			return d, csvError("dialect must be a dialect name, not %s", name.Type())
		}
		if d, ok = dialects[string(s)]; !ok {
			return d, csvError("unknown dialect")
		}
	}
	var err error
	for k, v := range kw {
		switch k {
		case "delimiter":
			d.delimiter, err = char(k, v, false)
		case "quotechar":
			d.quotechar, err = char(k, v, true)
		case "escapechar":
			d.escapechar, err = char(k, v, true)
		case "lineterminator":
			s, ok := v.(starlark.String)
			if !ok {
				return d, typeError(`"lineterminator" must be a string`)
			}
			d.lineterminator = string(s)
		case "quoting":
			d.quoting, err = starlark.AsInt32(v)
			if err == nil && (d.quoting < quoteMinimal || d.quoting > quoteNone) {
				return d, typeError("bad \"quoting\" value")
			}
		case "doublequote":
			d.doublequote = bool(v.Truth())
		case "skipinitialspace":
			d.skipinitialspace = bool(v.Truth())
		case "strict":
			d.strict = bool(v.Truth())
		}
		if err != nil {
			return d, err
		}
	}
	if d.quotechar == 0 && d.quoting != quoteNone {
		return d, typeError("quotechar must be set if quoting enabled")
	}
	return d, nil
}

// char returns a one-character parameter; None is allowed where orNone.
func char(name string, v starlark.Value, orNone bool) (rune, error) {
	if v == starlark.None && orNone {
		return 0, nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		if orNone {
			return 0, typeError(`"%s" must be string or None, not %s`, name, v.Type())
		}
		return 0, typeError(`"%s" must be string, not %s`, name, v.Type())
	}
	r, size := utf8.DecodeRuneInString(string(s))
	if size == 0 || size != len(s) {
		return 0, typeError(`"%s" must be a 1-character string`, name)
	}
	return r, nil
}

// splitKwargs separates the dialect overrides from a call's other keyword
// arguments.
func splitKwargs(kwargs []starlark.Tuple) (fmtKw map[string]starlark.Value, rest []starlark.Tuple) {
	fmtKw = map[string]starlark.Value{}
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		if isFmtParam(k) {
			fmtKw[k] = kv[1]
		} else {
			rest = append(rest, kv)
		}
	}
	return fmtKw, rest
}

func isFmtParam(k string) bool {
	for _, p := range fmtParams {
		if p == k {
			return true
		}
	}
	return false
}
