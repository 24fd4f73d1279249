// Package shm is mpstar's shared memory and process-shared synchronisation:
// what CPython builds from Lib/multiprocessing/heap.py,
// Lib/multiprocessing/synchronize.py and Modules/_multiprocessing/semaphore.c.
//
// # Memory
//
// An Arena is a memfd mapped MAP_SHARED. It has no name in /dev/shm or
// anywhere else, so it cannot leak: the kernel frees it when the last
// process holding its descriptor or mapping exits, however it exits. A Heap
// (DefaultHeap for the process) carves aligned Blocks out of arenas by bump
// allocation; blocks are never freed one by one.
//
// To hand a block to another process, send its Arena.ID, Arena.FD (as a
// descriptor: exec.Cmd.ExtraFiles or SCM_RIGHTS), Off and Len; the receiver
// calls AttachBlock, which maps each arena once per process however often
// it is received.
//
// # Synchronisation
//
// Mutex (Lock and RLock), Semaphore (and BoundedSemaphore), Event,
// Condition and Barrier each live in a Block, so a handle made with
// MutexAt, SemaphoreAt, … on a received block is the same object in the
// receiving process. They are built on futexes: an uncontended Mutex
// Acquire and Release are a few atomic instructions, a contended one spins
// briefly and then sleeps in the kernel, and a release makes a system call
// only when someone sleeps.
//
// A PidTable, also in a Block, counts the live processes of a run across
// all of them, for the run's process cap.
//
// Timeouts follow one convention: a negative timeout waits forever, zero
// only tries. Misuse returns an *Error carrying CPython's exception type
// and message (ErrReleasedTooManyTimes, ErrNotOwner, ErrWaitNotOwned,
// ErrNotifyNotOwned, ErrBrokenBarrier), for the Starlark layer to raise.
//
// Lock holders are identified by pid and, within a process, by an Owner
// token standing in for CPython's thread identity: handles act for
// MainOwner (the script thread) unless made with Mutex.As for another
// owner, such as a Go goroutine that locks on its own.
//
// # Robustness beyond CPython
//
// If a process dies holding a Lock, an RLock or Semaphore slots, processes
// blocked on the object notice within 100 ms (a waiter sleeps in slices and
// checks the holder with kill(pid, 0) and /proc, counting zombies as dead),
// take the lock or the slots over, and call the handle's DeadOwnerFunc (set
// with OnDeadOwner: the embedding layer sends it to the run's stderr), or
// without one print a warning on the process's stderr. Only blocking acquires recover; a
// non-blocking one just fails. The kernel reuses pids, so a holder whose
// pid has been given to a new process looks alive and is not recovered.
// Semaphore slot recovery is best effort (see Semaphore). A process that
// dies inside Condition.Wait or Barrier.Wait is not recovered: it still
// counts as a waiter (as in CPython), which may cost a later notify one
// spurious wake-up.
//
// The race detector does not watch memory outside the Go heap, so in race
// builds each object also synchronises on a Go-heap stand-in (race.go):
// Go data guarded by a Mutex is not reported as racing.
package shm
