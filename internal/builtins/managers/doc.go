// Package managers is multiprocessing's managers (CPython: managers.py)
// over the manager engine of mpcore/manager:
//
//	def Manager()              # a started SyncManager
//	BaseManager(address=None, authkey=None, serializer='pickle', ctx=None, *, shutdown_timeout=1.0)
//	    .start(initializer=None, initargs=()), .connect(), .shutdown(), .join(timeout=None),
//	    .get_server(), .address, and one method per registered typeid; a context manager
//	BaseManager.register(typeid, callable=None, proxytype=None, exposed=None,
//	                     method_to_typeid=None, create_method=True)
//	BaseManager.subclass(name) # class MyManager(BaseManager): pass
//	SyncManager: list, dict, Value, Array, Namespace, Lock, RLock, Semaphore,
//	    BoundedSemaphore, Condition, Event, Barrier, Queue, JoinableQueue, Pool
//	def Namespace(**kwargs)
//
// The files:
//
//   - manager.go: manager classes, Manager and the client side of start,
//     connect and shutdown.
//   - manager_server.go: the server process (RunServer, its target) and
//     the calls it runs on referents.
//   - manager_proxy.go: proxies and the proxy classes (ProxyTypes).
//   - manager_sync.go: the server-side synchronisation objects and queues
//     (threading's Lock, Condition, Barrier..., queue.Queue).
//   - manager_types.go: SyncManager's typeids and the other referents.
//
// Package modules lists NewManager, BaseManager, SyncManager,
// NewNamespace, ProxyTypes and RunServer in the multiprocessing modules.
package managers
