package mpcore

// Releasing what unreachable objects hold. Pipes, queues and shared memory
// that a script drops without closing are released by the garbage
// collector's cleanups (see shm.Arena and conn.Conn.ReleaseWhenUnreachable).

import "github.com/mpstar/mpstar/mpcore/internal/fdgc"

// ReleaseUnreachable collects garbage and waits until the descriptors and
// mappings of the objects found unreachable have been released. A process
// short of address space calls it before giving up.
func ReleaseUnreachable() { fdgc.Reclaim() }
