// Package codecs gives Starlark what Python's str.encode and bytes.decode
// do, as Python's codecs.encode and codecs.decode (Starlark's string and
// bytes types take no new methods): UTF-8, ASCII and Latin-1 with the
// strict, ignore, replace, backslashreplace and xmlcharrefreplace error
// handlers, and CPython's UnicodeEncodeError and UnicodeDecodeError
// messages.
package codecs
