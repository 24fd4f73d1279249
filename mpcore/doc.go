// Package mpcore is mpstar's multiprocessing engine. It knows nothing of
// Starlark: it launches processes, frames and authenticates byte streams,
// allocates shared memory, implements process-shared synchronisation on
// futexes, and runs the queue, manager and pool machinery, all in terms of
// bytes, file descriptors and Go values.
//
// The package reads like CPython's Lib/multiprocessing: one file per concern,
// each naming the CPython file it mirrors, and one subpackage per engine:
// conn (framing, connections, authentication, Listener/Client), shm
// (shared-memory arenas and futex synchronisation), queue, manager and pool,
// sandbox (kernel confinement: Landlock rulesets and rlimits, which
// CPython has no counterpart for), and stop (the one interruptible wait
// that every blocking call of a script's thread goes through, so that a
// cancelled context or Ctrl-C ends it at once).
// This package launches processes (process.go, childenv.go, prep.go,
// bootstrap.go, fdpass.go), relays their output a whole line at a time
// (output.go) and keeps warm children for forkserver (forkserver.go).
// Each wire protocol is described in a PROTOCOL.md beside its code.
package mpcore
