// Package pytypes holds the Python value types and builtins that Starlark
// lacks, as values local to one process: bytearray, array.array, the buffer
// protocol they share with the shared-memory types, Python's repr of
// strings and bytes, sum and repr.
//
//	def bytearray(source=None, encoding=None, errors=None)
//	array.array(typecode, initializer=None)   # the array module: array, typecodes
//	def sum(iterable, start=0)
//	def repr(x)                               # Reprer values (proxies) show their own repr
//
// ReadableBuffer and WritableBuffer are the buffer protocol: any value that
// implements them (a bytearray, an array, a shared ctypes array) can be
// passed where Python takes a bytes-like object (send_bytes,
// recv_bytes_into). TypeName and Repr give the names and number reprs that
// CPython's messages show (internal/pyquote the string and bytes reprs).
//
// It imports only go.starlark.net, internal/pyquote and the leaf packages
// internal/builtins/exceptions and internal/builtins/value; the core
// (shared ctypes, the codec) builds on it.
package pytypes
