package builtins

// The per-interpreter state: who this process is, its children, the start
// method, and how to reach the main script (CPython keeps the same in
// process.py's _current_process and context.py's default context).

import (
	"crypto/rand"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/manager"
	"github.com/mpstar/mpstar/mpcore/queue"
	"github.com/mpstar/mpstar/mpcore/stop"
)

const runtimeKey = "mpstar.runtime"

// Config describes the interpreter run a Runtime serves.
type Config struct {
	Stdout, Stderr io.Writer
	Executable     string   // child executable; "" = this one
	Filename       string   // main script file name
	Source         []byte   // main script source
	Argv           []string // sys.argv
	// Builtins makes the predeclared names of a run, once per runtime (the
	// modules package's Predeclared: multiprocessing, sys, catch, ...), in
	// a new dict the runtime keeps and adds Extra to; nil means none.
	Builtins func(*Runtime) starlark.StringDict
	// Extra are host-provided predeclared names, available in children too.
	Extra starlark.StringDict
	// ShareKinds decode the values that cross to this run by handle
	// (modules.ShareKinds: locks, queues, proxies, ...), by kind; nil
	// means none.
	ShareKinds map[string]ShareDecoder
	// Confine is what the run may touch and use; its zero value allows
	// nothing.
	Confine Confinement
	// Events, if not nil, receives the events of the processes this
	// process starts and of their pool tasks (see runevents.go), from any
	// goroutine, some holding locks: it must be quick and safe for
	// concurrent use. Children are not given it.
	Events func(RunEvent)
}

// Runtime is the state of one mpstar interpreter in one OS process. A host
// may run several interpreters in one process; each has its own Runtime.
type Runtime struct {
	cfg Config
	// stdout and stderr serialise every write to cfg.Stdout and
	// cfg.Stderr: this process's and, relayed a line at a time, its
	// children's.
	stdout, stderr *mpcore.Output
	// sig stops the blocking calls of the script's thread (see block.go).
	sig *stop.Signal

	mu            sync.Mutex
	self          *Process // the current process
	parent        *Process // nil in the main process
	children      []*Process
	counter       int
	startMethod   string
	bootstrapping bool
	modules       map[string]starlark.StringDict // executed modules by file name
	atExit        []exitHook
	predeclared   starlark.StringDict
	boot          *mpcore.Bootstrap // set in a launched child
	childExtra    map[string][]byte // Prep.Extra for children started from now on
	programs      ChildPrograms     // the embedding layer's compiled programs for children, or nil
	sources       FileSources       // the embedding layer's loaded files, or nil
	deferred      []func(*starlark.Thread) error
	delivering    bool // a goroutine is running deferred functions
	// due is set while deferred or failed may hold something, so that
	// RunDeferred, called on every module builtin, costs one atomic load
	// when nothing is due (set under mu, cleared under mu).
	due         atomic.Bool
	failed      error     // a deferred function's error that a wait held for its builtin to report
	queues      queue.Run // the feeders of the queues this run put into, flushed at exit
	interactive bool      // the main module is a REPL session
	ending      bool      // EndChildren was called: start no more children
	mainThread  *starlark.Thread
	warm        *mpcore.WarmPool  // forkserver's waiting children, made on first use
	procs       processCap        // the run's process cap
	logger      *Logger           // the multiprocessing logger, made on first use
	plain       *Encoder          // the encoder for values that carry no descriptors
	managers    *manager.Registry // the run's manager clients and servers
}

type exitHook struct {
	priority int
	fn       func()
}

// NewRuntime returns the runtime of a main process.
func NewRuntime(cfg Config) *Runtime {
	rt := newRuntime(cfg)
	key := make([]byte, 32)
	rand.Read(key)
	rt.self = &Process{rt: rt, kind: kindMain, name: "MainProcess", authkey: key, pid: os.Getpid(), started: true}
	rt.procs = newProcessCap(cfg.Confine.Limits.Processes)
	return rt
}

// newRuntime returns a runtime without its own process, which the main
// process and children describe differently.
func newRuntime(cfg Config) *Runtime {
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	rt := &Runtime{cfg: cfg, modules: map[string]starlark.StringDict{},
		stdout: mpcore.OutputOf(cfg.Stdout), stderr: mpcore.OutputOf(cfg.Stderr), sig: stop.New(), managers: manager.NewRegistry()}
	rt.sig.SetWork(rt.serveDeferred)
	rt.queues.Warn = rt.WriteStderr
	// The run's predeclared values go to its children (see values.go).
	// isData admits only what the codec sends, so this does not fail.
	if values, err := encodeValues(cfg.Extra); err == nil && values != nil {
		rt.childExtra = withExtra(nil, valuesKey, values)
	}
	rt.childExtra = mergeExtra(rt.childExtra, confinementExtra(&cfg.Confine))
	// A process that exits with queue items still buffered waits for them
	// to be flushed, after joining its children, as CPython's feeder
	// finalizer does (unless cancel_join_thread); a stopped one does not,
	// as the readers are gone.
	rt.AtExit(10, func() {
		if rt.sig.Err() == nil {
			rt.queues.Flush()
		}
	})
	return rt
}

// Managers returns the run's manager clients and servers.
func (rt *Runtime) Managers() *manager.Registry { return rt.managers }

// Self returns the current process.
func (rt *Runtime) Self() *Process { return rt.self }

// Config returns the configuration the runtime was made with.
func (rt *Runtime) Config() Config { return rt.cfg }

// Attach makes thread use rt: builtins find their runtime through it.
func (rt *Runtime) Attach(thread *starlark.Thread) {
	rt.mu.Lock()
	first := rt.mainThread == nil
	if first {
		rt.mainThread = thread
	}
	rt.mu.Unlock()
	if first {
		rt.watchMemory()
	}
	state := &threadState{thread: thread, rt: rt}
	thread.SetLocal(runtimeKey, state)
	if first {
		lastState.Store(state)
	}
	thread.Print = func(_ *starlark.Thread, msg string) { rt.WriteStdout(msg + "\n") }
	rt.attachConfinement(thread)
}

// RuntimeOf returns the runtime attached to thread, or nil.
func RuntimeOf(thread *starlark.Thread) *Runtime {
	if s := stateOf(thread); s != nil {
		return s.rt
	}
	return nil
}

// threadState is what a thread attached to a runtime carries.
type threadState struct {
	thread *starlark.Thread
	rt     *Runtime
	decode *DecodeContext // made at the thread's first decode
}

// lastState caches the state of one thread: the main thread of the run
// started last, or else the first thread to ask. A builtin asks several
// times a call (the blocking wrapper, the encoder, the decoder), and
// thread.Local is a map lookup by string: the cache saves a tenth of a
// queue's get. It changes only when a run starts or ends, never call by
// call, so threads of concurrent runs do not fight over its cache line.
var lastState atomic.Pointer[threadState]

// stateOf returns thread's state, or nil if no runtime is attached.
func stateOf(thread *starlark.Thread) *threadState {
	cached := lastState.Load()
	if cached != nil && cached.thread == thread {
		return cached
	}
	s, _ := thread.Local(runtimeKey).(*threadState)
	if s != nil && cached == nil {
		lastState.CompareAndSwap(nil, s)
	}
	return s
}

// forget drops the cached state of rt's threads, so that a finished run is
// not kept in memory by it.
func (rt *Runtime) forget() {
	if s := lastState.Load(); s != nil && s.rt == rt {
		lastState.CompareAndSwap(s, nil)
	}
}

// WriteStdout writes s to stdout in one write that nothing else written by
// this process or relayed from its children comes between.
func (rt *Runtime) WriteStdout(s string) { rt.stdout.WriteString(s) }

// Stderr returns the run's stderr, every write to which is serialised as
// WriteStderr's: for writers of their own, such as a progress bar.
func (rt *Runtime) Stderr() io.Writer { return rt.stderr }

// WriteStderr is WriteStdout for stderr.
func (rt *Runtime) WriteStderr(s string) { rt.stderr.WriteString(s) }

// SetModule records the globals of an executed module, so functions defined
// there can be found by file and name when they arrive from another process.
func (rt *Runtime) SetModule(filename string, globals starlark.StringDict) {
	rt.mu.Lock()
	rt.modules[filename] = globals
	rt.mu.Unlock()
}

// Resolver returns the function decoders use to find a global name of the
// module executed from a file: a finished module by its recorded globals, a
// module still executing (the main script during its top level) through the
// live frames of thread.
func (rt *Runtime) Resolver(thread *starlark.Thread) func(filename, name string) (starlark.Value, error) {
	return func(filename, name string) (starlark.Value, error) {
		globals, ok := rt.globalsOf(thread, filename)
		if !ok {
			return nil, exceptions.AttributeError.Errorf("cannot find module %q in process %s: it was not loaded here", filename, rt.self.name)
		}
		v, ok := globals[name]
		if !ok {
			return nil, exceptions.AttributeError.Errorf("Can't get attribute %q on module %q", name, filename)
		}
		return v, nil
	}
}

// globalsOf returns the globals of the module executed from filename:
// recorded once its top level has finished, live (through thread's frames)
// while it runs.
func (rt *Runtime) globalsOf(thread *starlark.Thread, filename string) (starlark.StringDict, bool) {
	rt.mu.Lock()
	globals, ok := rt.modules[filename]
	rt.mu.Unlock()
	if ok {
		return globals, true
	}
	return liveGlobals(thread, filename)
}

// liveGlobals finds the globals of a module that is still executing, from
// a Starlark function on thread's stack that belongs to it.
func liveGlobals(thread *starlark.Thread, filename string) (starlark.StringDict, bool) {
	if thread == nil {
		return nil, false
	}
	for i := 0; i < thread.CallStackDepth(); i++ {
		if fn, ok := thread.DebugFrame(i).Callable().(*starlark.Function); ok && fn.Position().Filename() == filename {
			return fn.Globals(), true
		}
	}
	return nil, false
}

// SetBootstrapping marks whether a spawned child is still executing the
// main script's top level, when starting processes is refused.
func (rt *Runtime) SetBootstrapping(b bool) {
	rt.mu.Lock()
	rt.bootstrapping = b
	rt.mu.Unlock()
}

// AtExit registers fn to run when the process finishes its work. Hooks run
// in ascending priority; children are joined at priority 0.
func (rt *Runtime) AtExit(priority int, fn func()) {
	rt.mu.Lock()
	rt.atExit = append(rt.atExit, exitHook{priority, fn})
	rt.mu.Unlock()
}

// Finish is CPython's _exit_function: terminate daemonic children, join
// the others, then run the exit hooks.
func (rt *Runtime) Finish() {
	rt.mu.Lock()
	hooks := append([]exitHook{{0, rt.reapChildren}}, rt.atExit...)
	rt.atExit = nil
	rt.mu.Unlock()
	sort.SliceStable(hooks, func(i, j int) bool { return hooks[i].priority < hooks[j].priority })
	for _, h := range hooks {
		h.fn()
	}
	rt.forget()
}

// Bind makes the runtime's stop signal that of the blocking calls made on
// the calling goroutine, the one that runs the script, until unbind is
// called there (see mpcore/stop).
func (rt *Runtime) Bind() (unbind func()) { return rt.sig.Bind() }

// Stop stops the script: the blocking call its thread is in, or makes
// next, fails at once with cause, and the thread is cancelled at its next
// step. It may be called from any goroutine; Rearm undoes it.
func (rt *Runtime) Stop(cause error) {
	rt.sig.Fire(cause)
	rt.mu.Lock()
	thread := rt.mainThread
	rt.mu.Unlock()
	if thread != nil {
		thread.Cancel(cause.Error())
	}
}

// Stopped returns the cause of Stop, or nil.
func (rt *Runtime) Stopped() error { return rt.sig.Err() }

// Rearm undoes Stop, so the thread runs again: an interactive session's
// next chunk after a KeyboardInterrupt.
func (rt *Runtime) Rearm() {
	rt.sig.Reset()
	rt.mu.Lock()
	thread := rt.mainThread
	rt.mu.Unlock()
	if thread != nil {
		thread.Uncancel()
	}
}

// childGrace is how long EndChildren lets a child end its own children
// and exit before killing it.
const childGrace = 2 * time.Second

// EndChildren ends every child of this process and everything they
// started, and returns when they have all exited: a stopped run leaves no
// process behind. Each child takes the end of its lifeline as its
// parent's death and ends its own children the same way (see
// mpcore.Child.End).
func (rt *Runtime) EndChildren() {
	rt.mu.Lock()
	rt.ending = true
	warm := rt.warm
	rt.mu.Unlock()
	if warm != nil {
		warm.Close()
	}
	// A child whose start was under way (a Pool replacing a worker, say)
	// shows up in a later round.
	for kids := rt.LiveChildren(); len(kids) > 0; kids = rt.LiveChildren() {
		var wg sync.WaitGroup
		for _, p := range kids {
			wg.Go(func() { p.child.End(childGrace) })
		}
		wg.Wait()
	}
}

func (rt *Runtime) reapChildren() {
	kids := rt.LiveChildren()
	for _, p := range kids {
		if p.daemon {
			p.child.Terminate()
		}
	}
	for _, p := range kids {
		if _, err := stop.Wait(p.child.Done(), -1); err != nil {
			rt.EndChildren() // stopped while joining at exit
			return
		}
	}
}

// LiveChildren returns started children that have not been joined
// successfully, dropping the ones found finished (CPython's _cleanup).
func (rt *Runtime) LiveChildren() []*Process {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	live := rt.children[:0]
	for _, p := range rt.children {
		if !p.child.Exited() {
			live = append(live, p)
		}
	}
	rt.children = live
	return append([]*Process(nil), live...)
}

func (rt *Runtime) addChild(p *Process) {
	rt.mu.Lock()
	rt.children = append(rt.children, p)
	rt.mu.Unlock()
}

// SetChildExtra records data every child started from now on receives in
// its preparation data (a logging level, say); ParentExtra reads it there.
func (rt *Runtime) SetChildExtra(key string, val []byte) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.childExtra = withExtra(rt.childExtra, key, val)
}

// ChildPrograms returns the compiled programs a child about to start
// receives in its Prep.Extra, by key: the modules this process compiled,
// and for a defs-only child (see ForkGlobals) the program it executes,
// given the names of the globals its snapshot carries. Children use them
// instead of parsing and compiling the same sources again.
type ChildPrograms func(defsOnly bool, names []string) map[string][]byte

// SetChildPrograms installs the embedding layer's ChildPrograms.
func (rt *Runtime) SetChildPrograms(f ChildPrograms) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.programs = f
}

// withChildPrograms returns extra with the child's compiled programs added.
func (rt *Runtime) withChildPrograms(extra map[string][]byte, defsOnly bool, names []string) map[string][]byte {
	rt.mu.Lock()
	programs := rt.programs
	rt.mu.Unlock()
	if programs == nil {
		return extra
	}
	if add := programs(defsOnly, names); len(add) > 0 {
		return mergeExtra(extra, add)
	}
	return extra
}

// withExtra returns a copy of extra with key set: maps handed to children
// are never changed afterwards.
func withExtra(extra map[string][]byte, key string, val []byte) map[string][]byte {
	return mergeExtra(extra, map[string][]byte{key: val})
}

// mergeExtra returns a new map holding the entries of ms, later maps
// winning.
func mergeExtra(ms ...map[string][]byte) map[string][]byte {
	n := 0
	for _, m := range ms {
		n += len(m)
	}
	out := make(map[string][]byte, n)
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func (rt *Runtime) isInteractive() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.interactive
}

// ParentExtra returns what the parent recorded with SetChildExtra, or nil
// in the main process.
func (rt *Runtime) ParentExtra(key string) []byte {
	if rt.boot == nil {
		return nil
	}
	return rt.boot.Prep.Extra[key]
}

// Defer queues fn to run on the script's thread (Pool callbacks never run
// concurrently with the script): at once if the thread is blocked in a
// wait, else at its next call into the multiprocessing module or into a
// blocking builtin. It may be called from any goroutine.
func (rt *Runtime) Defer(fn func(*starlark.Thread) error) {
	rt.mu.Lock()
	rt.deferred = append(rt.deferred, fn)
	rt.due.Store(true)
	rt.mu.Unlock()
	rt.sig.Post()
}

// RunDeferred delivers pending callbacks: it reports the error of one that
// failed while the thread waited, or else runs the queued functions on
// thread, in order, until one fails. Module builtins call it on entry, and
// every builtin that blocks calls it before and after waiting (see
// Blocking), so a callback that is due when the call starts runs first,
// and one that ran during the wait has its error reported by the call.
func (rt *Runtime) RunDeferred(thread *starlark.Thread) error {
	if !rt.due.Load() {
		return nil
	}
	rt.mu.Lock()
	err := rt.failed
	rt.failed = nil
	rt.mu.Unlock()
	if err == nil {
		err = rt.deliver(thread)
	}
	rt.mu.Lock()
	if len(rt.deferred) == 0 && rt.failed == nil {
		rt.due.Store(false)
	}
	rt.mu.Unlock()
	return err
}

// serveDeferred is the work of the script thread's stop Signal: it runs
// the callbacks that arrive while the thread is blocked, there and then,
// as CPython's result thread runs them while the main thread waits. Their
// first error is held for the blocked builtin to report when it returns
// (RunDeferred); later callbacks wait for that.
func (rt *Runtime) serveDeferred() {
	rt.mu.Lock()
	thread, failed := rt.mainThread, rt.failed
	rt.mu.Unlock()
	if thread == nil || failed != nil {
		return
	}
	if err := rt.deliver(thread); err != nil {
		rt.mu.Lock()
		rt.failed = err
		rt.due.Store(true)
		rt.mu.Unlock()
	}
}

// deliver runs the queued functions on thread, in order, until one fails.
// Only one goroutine delivers at a time, and not nested: a callback that
// blocks, or calls a module builtin, does not run later callbacks inside
// itself, as CPython runs them one after another on one thread.
func (rt *Runtime) deliver(thread *starlark.Thread) error {
	rt.mu.Lock()
	busy := rt.delivering
	rt.delivering = true
	rt.mu.Unlock()
	if busy {
		return nil
	}
	defer func() {
		rt.mu.Lock()
		rt.delivering = false
		rt.mu.Unlock()
	}()
	for fn := rt.nextDeferred(); fn != nil; fn = rt.nextDeferred() {
		if err := fn(thread); err != nil {
			return err
		}
	}
	return nil
}

// nextDeferred takes the first queued function, or returns nil.
func (rt *Runtime) nextDeferred() func(*starlark.Thread) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.deferred) == 0 {
		return nil
	}
	fn := rt.deferred[0]
	rt.deferred[0] = nil // the callback's values are garbage once it has run
	rt.deferred = rt.deferred[1:]
	return fn
}

// RunsDeferred wraps the function of a multiprocessing builtin so that every
// call first runs the callbacks other goroutines deferred to the script's
// thread (Defer): the multiprocessing modules' functions all do.
func RunsDeferred(fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if rt := RuntimeOf(thread); rt != nil {
			if err := rt.RunDeferred(thread); err != nil {
				return nil, err
			}
		}
		return fn(thread, b, args, kwargs)
	}
}

// Blocking wraps a builtin that may block so that it delivers pending
// callbacks (RunDeferred) before it waits and after it returns.
func Blocking(fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		rt := RuntimeOf(thread)
		if rt == nil {
			return fn(thread, b, args, kwargs)
		}
		if err := rt.RunDeferred(thread); err != nil {
			return nil, err
		}
		v, err := fn(thread, b, args, kwargs)
		if err != nil {
			return nil, err
		}
		return v, rt.RunDeferred(thread)
	}
}

// AppendSource adds a chunk the REPL executed to the main module's source,
// so children started later under fork can define the functions the chunk
// defined (REPL functions are valid targets under fork).
func (rt *Runtime) AppendSource(chunk []byte) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	src := make([]byte, 0, len(rt.cfg.Source)+len(chunk)+1)
	src = append(append(src, rt.cfg.Source...), chunk...)
	if len(chunk) > 0 && chunk[len(chunk)-1] != '\n' {
		src = append(src, '\n')
	}
	rt.cfg.Source = src
	rt.interactive = true
}
