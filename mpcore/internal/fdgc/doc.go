// Package fdgc keeps descriptors that only the garbage collector closes
// from running a process out of descriptors.
//
// CPython closes a Connection or frees an Arena the moment its last
// reference goes; Go closes them in cleanups (runtime.AddCleanup) that run
// only after a collection, and a collection is triggered by heap growth,
// which a loop making pipes or queues hardly causes. So each such
// descriptor is counted as it is opened, and once as many as a quarter of
// the descriptor limit (at most maxBudget) have been opened since the last
// collection, a collection runs, after which the cleanups close those that
// became unreachable.
package fdgc
