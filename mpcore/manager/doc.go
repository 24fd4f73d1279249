// Package manager is the engine of multiprocessing's managers (CPython:
// Lib/multiprocessing/managers.py): a server that owns objects (referents)
// and runs the methods its clients name, and the client side that calls
// them over authenticated mpcore/conn connections.
//
// The pieces, one file each:
//
//   - protocol.go: the wire format of requests and replies, as pure
//     helpers (PROTOCOL.md beside this file gives it byte by byte).
//   - table.go: the referent table, with reference counts kept per holder
//     (one connection, or the server's own process), so that a client
//     that goes away, even by SIGKILL, releases what it held, and no
//     client can release what another holds.
//   - server.go: Server, the accept loop and one goroutine per connection,
//     as CPython has one thread per connection, but with the connection in
//     mpcore/conn's poll mode, so that an idle one holds no OS thread and
//     no read buffer. Local clients' pipes are the exception while fewer
//     than 64 are open: they are read in blocking mode, whose wake-up is
//     the kernel's alone (see blockingPipes). Handler and Session are what
//     the embedding layer plugs in to run calls.
//   - client.go: Client, a pool of connections to one server shared by a
//     process, with reference releases batched onto later requests.
//   - pipes.go: local connections move from the AF_UNIX socket to a pair
//     of pipes passed with SCM_RIGHTS, which halves a round trip.
//   - budget.go: the memory budget that bounds the large requests a
//     server receives and runs at once.
//   - errors.go: the error types.
//
// The package knows nothing of Starlark: referents are opaque Go values,
// arguments and results are opaque encoded bytes. The builtins layer
// decides what they mean.
package manager
