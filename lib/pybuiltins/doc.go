// Package pybuiltins holds Python's built-in functions that Starlark lacks
// or spells differently: format with the whole format-spec mini-language,
// print with sep, end, file and flush, round with Python's rounding, and
// divmod, pow, hex, oct, bin and next. Their output and errors are CPython's;
// format is checked against a table CPython generated
// (testdata/format_table.py).
package pybuiltins
