// Package builtins is the core of mpstar's Starlark side: the runtime of
// one interpreter, processes, the codec, the synchronisation primitives,
// connections, queues and shared ctypes. It adapts the engine (mpcore:
// processes, framing, shared memory, futexes) to Starlark with CPython's
// names, defaults and errors.
//
// It lives under internal/ because its exported names are plumbing
// between mpstar's own packages (interp binds, stops and rearms runtimes
// through them); a Go host uses package interp, which Go's internal rule
// leaves as the only way in.
//
// # Where things are
//
// The packages, lowest first (deps_test.go keeps every import pointing
// down this list; paths are below internal/builtins):
//
//   - exceptions: the table of Python exception types; raise with
//     exceptions.ValueError.Errorf(...).
//   - value: what every value and builtin shares: value.Object, method
//     tables (value.Attr, value.AttrNames), value.IdentityHash, the
//     argument helpers (timeouts, block flags, no-argument checks).
//   - pytypes: Python value types local to one process: bytearray,
//     array.array, the buffer protocol, Python reprs, sum and repr.
//   - builtins (this package): the core, file by file below.
//   - lib/<name> (at the module's root): helper modules (os, sys, time,
//     random, logging), each a documented module value or constructor.
//   - mppool: multiprocessing.Pool and its results.
//   - managers: Manager, BaseManager, the server and the proxies.
//   - modules: the multiprocessing module and its submodules, assembled
//     explicitly; Predeclared, the one list of predeclared names; and
//     ShareKinds, every package's share decoders merged (interp passes
//     them to every runtime as Config.Builtins and Config.ShareKinds).
//
// A new module goes in lib/<name> and is one line in modules.Predeclared;
// a new multiprocessing function is one line in package modules; a new
// Shareable kind is one entry in its package's ShareKinds table (a new
// package's table, one argument of modules.ShareKinds).
//
// This package, one concern per file (CPython's file in parentheses):
//
//   - runtime.go: Runtime, the state of one interpreter in one process;
//     predeclared.go: its predeclared names and LoadModule; runevents.go:
//     the run's events for a host (processes started and exited).
//   - process.go, child.go (process.py, popen_spawn_posix.py): Process and
//     the child's side; fork.go: the fork start method's global snapshot;
//     context.go (context.py): start methods and contexts; misc.go: the
//     module's remaining functions.
//   - codec.go, share.go, intslab.go (reduction.py): values to msgpack
//     payloads and back; Shareable objects cross by handle, and share.go's
//     ShareKinds decode this package's; shmhandle.go: handles of objects
//     in shared memory.
//   - sync.go, lock.go, semaphore.go, event.go, condition.go, barrier.go
//     (synchronize.py): the synchronisation primitives over mpcore/shm.
//   - connection.go, connerr.go, listener.go, wait.go (connection.py): Pipe,
//     Connection, Listener/Client and wait, over mpcore/conn.
//   - queues.go (queues.py): Queue, JoinableQueue, SimpleQueue over
//     mpcore/queue.
//   - ctypes.go, sharedctypes.go, sharedarray.go, synchronized.go
//     (sharedctypes.py): the ctypes module and shared values and arrays.
//   - logging.go (util.py): the multiprocessing logger.
//   - cluster.go: the seam a cluster backend (package cluster) plugs into
//     for Pool(cluster=...) and get_context("cluster").
//   - errors.go, with.go: the error value, catch and with_.
package builtins
