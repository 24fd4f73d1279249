// Package json is Starlark's json module (go.starlark.net/lib/json: encode,
// decode, indent) with Python's json functions beside it: dumps and dump
// write exactly what CPython's write for the same values, with the same
// options, and loads and load read JSON as CPython's do, failing with
// json.decoder.JSONDecodeError and its line, column and char position.
package json
