// Package mppool is multiprocessing.Pool (CPython: pool.py) over the pool
// engine of mpcore/pool:
//
//	def Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None,
//	         context=None, cluster=None, retries=2, task_timeout=None)
//	    .apply(func, args=(), kwds={}), .apply_async(func, args=(), kwds={}, callback=None, error_callback=None, timeout=None)
//	    .map(func, iterable, chunksize=None, progress=False, timeout=None), .starmap(...)
//	    .map_async(func, iterable, chunksize=None, callback=None, error_callback=None, timeout=None), .starmap_async(...)
//	    .imap(func, iterable, chunksize=1, progress=False), .imap_unordered(...)
//	    .close(), .terminate(), .join(); a context manager
//	AsyncResult: .get(timeout=None), .wait(timeout=None), .ready(), .successful()
//
// The files:
//
//   - pool.go: Pool, its workers (processes running _worker) and the
//     conversion of engine errors.
//   - pool_result.go: AsyncResult and the map family; pool_imap.go: imap's
//     iterators and the progress bar.
//   - pool_worker.go: Worker (multiprocessing.pool._worker), the target of
//     every worker process, which runs tasks with mpcore/pool's Serve.
//   - cluster.go: Pool(cluster=URL) through builtins' cluster seam, and
//     StartPoolWorker for cluster worker hosts.
//   - events.go: each task's start and end as the run's events, when a
//     host listens (interp.Options.Events).
//
// task_timeout (seconds; apply_async's timeout= for one task, the map
// methods' for each chunk of theirs) bounds a task's run, from when a
// worker starts on it (a replacement's start-up does not count), in a
// local pool or on a cluster pool's hosts: past it the task fails with
// TimeoutError naming it, and its worker is killed and replaced. CPython
// has no such limit.
//
// Package modules lists NewPool and Worker in the multiprocessing and
// multiprocessing.pool modules.
package mppool
