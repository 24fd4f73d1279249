// Package stop makes every blocking wait of the engine interruptible, by
// one mechanism: a Signal bound to the goroutine that runs a script.
//
// A script's thread blocks in only three ways, and each has a form here
// that also returns when the thread's Signal fires:
//
//   - on a futex word in shared memory (locks, semaphores, events,
//     conditions, barriers, queues): FutexWait sleeps with futex_waitv(2)
//     on the word and on the Signal's own word at once, so no wake-up is
//     lost between checking the Signal and sleeping;
//   - on descriptors (connections, listeners, sentinels, manager
//     sockets): Poll adds the Signal's eventfd to the poll(2) set;
//   - on a Go channel (pool results, process exit, sleep): Wait selects
//     on the Signal's Done channel too.
//
// The embedding layer binds a run's Signal to the goroutine that runs the
// script, so engine code finds it with Current without any parameter: a
// wait on any other goroutine (a queue's feeder, a pool's result handler)
// has none and is not interrupted. The binding is keyed by the goroutine's
// runtime record, read in a few instructions of assembly (getg), so the
// goroutine runs on any thread like the rest and a lookup costs no system
// call. Fire is how a context's cancellation, Ctrl-C and
// Session.Interrupt reach a blocked call; the waits report it as having
// run out of time, and the caller asks Stopped why.
//
// The same waits run work for the script's thread while it is blocked:
// another goroutine Posts to the Signal, and the wait runs the Signal's
// work (SetWork) on the bound goroutine, then goes on waiting (a futex wait
// returns as from a spurious wake-up, and its caller waits again with the
// time left). This is how Pool callbacks reach a script blocked in join,
// get, acquire or wait as soon as their tasks finish, on the script's own
// thread, much as a Python signal handler runs on the main thread during a
// blocking call.
package stop
