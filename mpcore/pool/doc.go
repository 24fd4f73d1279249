// Package pool is the engine of multiprocessing.Pool (CPython:
// Lib/multiprocessing/pool.py): it keeps a set of worker processes busy
// with opaque tasks, replaces workers that exit, and never leaves a task
// hanging when its worker dies. It knows nothing of Starlark: a task is a
// byte message the caller encoded, a reply is the bytes the worker's
// handler produced.
//
// The pieces, one file each:
//
//   - protocol.go: the messages between the pool and a worker, and Serve,
//     the worker's side of them.
//   - pool.go: Pool, the scheduler. Each worker has its own duplex
//     connection; the pool hands one task at a time to an idle worker and
//     a goroutine per worker reads its replies (a long reply may come in
//     parts, decoded while the worker computes the rest). A worker that
//     dies fails the task it held with a *WorkerLostError and is replaced.
//   - input.go: the reader goroutines wait for input in Go's network
//     poller, which keeps a task's round trip near the pipe's own.
//   - errors.go: the error types.
//   - cpus.go: DefaultProcesses, the CPU count a pool uses by default
//     (affinity mask and cgroup CPU quota).
//   - progress.go: Progress, the progress of progress=True: a bar on a
//     terminal, plain lines elsewhere.
//
// Unlike CPython's pool, which feeds one shared task queue from a thread
// and learns of dead workers only by polling, this scheduler assigns each
// task to a known worker. That is what lets it say which task a dead
// worker held, and it keeps the hot path of apply_async(...).get() to one
// write by the caller and one read by the worker's reader goroutine.
package pool
