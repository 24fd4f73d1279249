// Package pyquote writes bytes and strings as Python's repr() shows them
// (b'...' and '...'), for every layer that must read as CPython does:
// mpcore's addresses and authentication errors, the Python value types'
// reprs and the library modules' messages. It imports only the standard
// library, so the engine, which stays free of Starlark, can use it too.
package pyquote
