// Package builtins holds every Starlark-facing value and module of mpstar:
// the multiprocessing module and its submodules, the helper modules (sys, os,
// time, queue, ctypes, random, array), catch and with_, and the codec that
// turns Starlark values into msgpack payloads that cross process boundaries.
//
// Engine work (processes, framing, shared memory, futexes) is delegated to
// mpcore; this package adapts it to Starlark with CPython's names, defaults
// and errors.
package builtins
