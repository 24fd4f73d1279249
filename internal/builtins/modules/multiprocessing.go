package modules

import (
	"maps"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/managers"
	"github.com/mpstar/mpstar/internal/builtins/mppool"
	"github.com/mpstar/mpstar/internal/builtins/value"
	libos "github.com/mpstar/mpstar/lib/os"
)

// builtinFunc is the Go function of a builtin.
type builtinFunc = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)

// functions returns the builtins of a multiprocessing module: each is named
// module.name, and first runs the callbacks deferred to the script's
// thread (builtins.RunsDeferred).
func functions(module string, fns map[string]builtinFunc) starlark.StringDict {
	members := make(starlark.StringDict, len(fns))
	for name, fn := range fns {
		members[name] = starlark.NewBuiltin(module+"."+name, builtins.RunsDeferred(fn))
	}
	return members
}

// union returns the members of all parts.
func union(parts ...starlark.StringDict) starlark.StringDict {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	members := make(starlark.StringDict, n)
	for _, p := range parts {
		maps.Copy(members, p)
	}
	return members
}

// pipe is multiprocessing.Pipe, the same builtin in multiprocessing and
// multiprocessing.connection.
var pipe = starlark.NewBuiltin("multiprocessing.Pipe", builtins.NewPipe)

// Multiprocessing is the multiprocessing module (CPython: context.py's
// DefaultContext, and the module's own names):
//
//	def Process(group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None)
//	def current_process()
//	def parent_process()
//	def active_children()
//	def cpu_count()
//	def freeze_support()
//	def set_executable(executable)
//	def get_all_start_methods()
//	def get_start_method(allow_none=False)
//	def set_start_method(method, force=False)
//	def get_context(method=None)
//	def Pipe(duplex=True)
//	def Queue(maxsize=0)
//	def JoinableQueue(maxsize=0)
//	def SimpleQueue()
//	def Lock()
//	def RLock()
//	def Semaphore(value=1)
//	def BoundedSemaphore(value=1)
//	def Event()
//	def Condition(lock=None)
//	def Barrier(parties, action=None, timeout=None)
//	def RawValue(typecode_or_type, *args)
//	def RawArray(typecode_or_type, size_or_initializer)
//	def Value(typecode_or_type, *args, lock=True)
//	def Array(typecode_or_type, size_or_initializer, *, lock=True)
//	def Manager()
//	def Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None, context=None)
//	def get_logger()
//	def log_to_stderr(level=None)
//	SUBDEBUG, SUBWARNING
//	ProcessError, BufferTooShort, AuthenticationError, TimeoutError, WorkerLostError
//	connection, managers, pool, sharedctypes   # the submodules below
var Multiprocessing = value.NewModule("multiprocessing", func() starlark.StringDict {
	return union(
		functions("multiprocessing", map[string]builtinFunc{
			"current_process":       builtins.CurrentProcess,
			"parent_process":        builtins.ParentProcess,
			"active_children":       builtins.ActiveChildren,
			"cpu_count":             libos.CPUCount,
			"freeze_support":        builtins.FreezeSupport,
			"set_executable":        builtins.SetExecutable,
			"get_all_start_methods": builtins.GetAllStartMethods,
			"get_start_method":      builtins.GetStartMethod,
			"set_start_method":      builtins.SetStartMethod,
			"get_context":           builtins.GetContext,
			"Queue":                 builtins.NewQueue,
			"JoinableQueue":         builtins.NewJoinableQueue,
			"SimpleQueue":           builtins.NewSimpleQueue,
			"Lock":                  builtins.NewLock,
			"RLock":                 builtins.NewRLock,
			"Semaphore":             builtins.NewSemaphore,
			"BoundedSemaphore":      builtins.NewBoundedSemaphore,
			"Event":                 builtins.NewEvent,
			"Condition":             builtins.NewCondition,
			"Barrier":               builtins.NewBarrier,
			"Manager":               managers.NewManager,
			"Pool":                  mppool.NewPool,
			"get_logger":            builtins.GetLogger,
			"log_to_stderr":         builtins.LogToStderr,
		}),
		sharedctypesFunctions("multiprocessing"),
		starlark.StringDict{
			// Process is not wrapped: it only makes a value.
			"Process":             starlark.NewBuiltin("multiprocessing.Process", builtins.NewProcess),
			"Pipe":                pipe,
			"SUBDEBUG":            starlark.MakeInt(builtins.LevelSubdebug),
			"SUBWARNING":          starlark.MakeInt(builtins.LevelSubwarning),
			"ProcessError":        exceptions.ProcessError,
			"BufferTooShort":      exceptions.BufferTooShort,
			"AuthenticationError": exceptions.AuthenticationError,
			"TimeoutError":        exceptions.TimeoutError,
			"WorkerLostError":     exceptions.WorkerLostError,
			"connection":          Connection,
			"managers":            Managers,
			"pool":                Pool,
			"sharedctypes":        Sharedctypes,
		})
})

// Connection is the multiprocessing.connection module:
//
//	def Listener(address=None, family=None, backlog=1, authkey=None, *, max_frame=None, handshake_timeout=None)
//	def Client(address, family=None, authkey=None, *, max_frame=None, handshake_timeout=None)
//	def Pipe(duplex=True)
//	def wait(object_list, timeout=None)
//	def deliver_challenge(connection, authkey)
//	def answer_challenge(connection, authkey)
var Connection = value.NewModule("multiprocessing.connection", func() starlark.StringDict {
	return union(
		functions("multiprocessing.connection", map[string]builtinFunc{
			"Listener":          builtins.NewListener,
			"Client":            builtins.NewClient,
			"wait":              builtins.ConnectionWait,
			"deliver_challenge": builtins.DeliverChallenge,
			"answer_challenge":  builtins.AnswerChallenge,
		}),
		starlark.StringDict{"Pipe": pipe})
})

// Managers is the multiprocessing.managers module:
//
//	BaseManager, SyncManager     # manager classes; BaseManager.register, .subclass
//	def Namespace(**kwargs)
//	BaseProxy, AutoProxy, ListProxy, DictProxy, ArrayProxy, NamespaceProxy,
//	ValueProxy, AcquirerProxy, ConditionProxy, EventProxy, BarrierProxy,
//	PoolProxy, IteratorProxy     # proxy classes, for register(proxytype=...)
//	RemoteError
//	_run_server                  # the target of a manager's server process
var Managers = value.NewModule("multiprocessing.managers", func() starlark.StringDict {
	return union(
		functions("multiprocessing.managers", map[string]builtinFunc{
			"Namespace": managers.NewNamespace,
		}),
		managers.ProxyTypes(),
		starlark.StringDict{
			"BaseManager": managers.BaseManager,
			"SyncManager": managers.SyncManager,
			"RemoteError": exceptions.RemoteError,
			"_run_server": managers.RunServer,
		})
})

// Pool is the multiprocessing.pool module:
//
//	def Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None, context=None)
//	TimeoutError
//	_worker                      # the target of every pool process
var Pool = value.NewModule("multiprocessing.pool", func() starlark.StringDict {
	return union(
		functions("multiprocessing.pool", map[string]builtinFunc{
			"Pool": mppool.NewPool,
		}),
		starlark.StringDict{
			"TimeoutError": exceptions.TimeoutError,
			"_worker":      mppool.Worker,
		})
})

// Sharedctypes is the multiprocessing.sharedctypes module:
//
//	def RawValue(typecode_or_type, *args)
//	def RawArray(typecode_or_type, size_or_initializer)
//	def Value(typecode_or_type, *args, lock=True)
//	def Array(typecode_or_type, size_or_initializer, *, lock=True)
//	def copy(obj)
//	def synchronized(obj, lock=None)
var Sharedctypes = value.NewModule("multiprocessing.sharedctypes", func() starlark.StringDict {
	return union(
		sharedctypesFunctions("multiprocessing.sharedctypes"),
		functions("multiprocessing.sharedctypes", map[string]builtinFunc{
			"copy":         builtins.Copy,
			"synchronized": builtins.NewSynchronized,
		}))
})

// sharedctypesFunctions are the shared ctypes constructors, which both
// multiprocessing and multiprocessing.sharedctypes have.
func sharedctypesFunctions(module string) starlark.StringDict {
	return functions(module, map[string]builtinFunc{
		"RawValue": builtins.NewRawValue,
		"RawArray": builtins.NewRawArray,
		"Value":    builtins.NewValue,
		"Array":    builtins.NewArray,
	})
}

// Queue is the queue module: its exceptions.
//
//	Empty, Full
var Queue = value.NewModule("queue", func() starlark.StringDict {
	return starlark.StringDict{
		"Empty": exceptions.Empty,
		"Full":  exceptions.Full,
	}
})
