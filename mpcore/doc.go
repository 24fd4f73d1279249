// Package mpcore is mpstar's multiprocessing engine. It knows nothing of
// Starlark: it launches processes, frames and authenticates byte streams,
// allocates shared memory, implements process-shared synchronisation on
// futexes, and runs the queue, manager and pool machinery, all in terms of
// bytes, file descriptors and Go values.
//
// The package reads like CPython's Lib/multiprocessing: one file per concern,
// each naming the CPython file it mirrors. Wire constants live in wire.go and
// are described in PROTOCOL.md beside it.
package mpcore
