package mppool

// multiprocessing.Pool (CPython: pool.py Pool). The scheduling is the
// engine's (mpcore/pool); this file makes the workers (processes running
// _worker, see pool_worker.go), encodes tasks on the script's thread and
// turns replies into results (pool_result.go).

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// Pool is multiprocessing.pool.Pool.
type Pool struct {
	value.Object
	rt     *builtins.Runtime
	eng    builtins.PoolEngine
	local  bool // eng is this host's engine, not a cluster's
	size   int
	state  string // CPython's RUN, CLOSE or TERMINATE
	setup  *poolSetup
	method string // start method of the workers
	dc     *builtins.DecodeContext
	enc    *builtins.Encoder
	jobs   int // tasks submitted, numbering them in WorkerLostError messages
	// taskTimeout bounds each task's run (task_timeout=; 0: no bound).
	taskTimeout time.Duration

	releaseOnce sync.Once
}

var (
	_ starlark.HasAttrs       = (*Pool)(nil)
	_ builtins.ContextManager = (*Pool)(nil)
)

// NewPool implements Pool(processes=None, initializer=None, initargs=(),
// maxtasksperchild=None, context=None, cluster=None, retries=2,
// task_timeout=None).
func NewPool(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var processes, initializer, maxtasks, context starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	var taskTimeout value.Timeout
	var initargs starlark.Value = starlark.Tuple{}
	var cluster string
	retries := DefaultRetries
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "processes?", &processes, "initializer?", &initializer,
		"initargs?", &initargs, "maxtasksperchild?", &maxtasks, "context?", &context, "cluster?", &cluster, "retries?", &retries,
		"task_timeout?", &taskTimeout); err != nil {
		return nil, err
	}
	limit, err := taskTimeout.Limit(b.Name(), "task_timeout")
	if err != nil {
		return nil, err
	}
	if retries < 0 {
		return nil, exceptions.ValueError.Errorf("retries must be at least 0")
	}
	rt := builtins.RuntimeOf(thread)
	n := pool.DefaultProcesses()
	if processes != starlark.None {
		if err := starlark.AsInt(processes, &n); err != nil {
			return nil, exceptions.TypeError.Errorf("%s: processes must be an int or None, not %s", b.Name(), processes.Type())
		}
		if n < 1 {
			return nil, exceptions.ValueError.New("Number of processes must be at least 1")
		}
	}
	if _, ok := initializer.(starlark.Callable); !ok && initializer != starlark.None {
		return nil, exceptions.TypeError.New("initializer must be a callable")
	}
	maxTasks := 0
	if maxtasks != starlark.None {
		if err := starlark.AsInt(maxtasks, &maxTasks); err != nil || maxTasks < 1 {
			return nil, exceptions.ValueError.New("maxtasksperchild must be a positive int or None")
		}
	}
	ia, err := value.AsTuple(b.Name(), "initargs", initargs)
	if err != nil {
		return nil, err
	}
	method := rt.StartMethod()
	switch c := context.(type) {
	case *builtins.Context:
		method = c.Method()
		if c.ClusterURL() != "" && cluster == "" {
			cluster = c.ClusterURL()
		}
	case starlark.NoneType:
	default:
		return nil, exceptions.TypeError.Errorf("%s: context must be a context from get_context(), not %s", b.Name(), context.Type())
	}
	setup, err := newPoolSetup(rt, initializer, ia, maxTasks)
	if err != nil {
		return nil, err
	}
	p := &Pool{rt: rt, size: n, state: "RUN", setup: setup, method: method,
		dc: rt.DecodeContext(nil, nil), enc: rt.Encoder(nil), taskTimeout: limit}
	var eng builtins.PoolEngine
	if cluster != "" {
		eng, err = p.newClusterEngine(cluster, retries, maxTasks)
	} else {
		eng, err = pool.New(pool.Config{Processes: n, MaxTasksPerChild: maxTasks, Start: p.startWorker})
		p.local = true
	}
	if err != nil {
		p.releaseSetup()
		return nil, p.poolErr(err)
	}
	p.eng = eng
	// A pool the script neither closed nor terminated is terminated at
	// exit, before the runtime reaps children (priority 0).
	rt.AtExit(-1, func() {
		eng.Terminate()
		p.releaseSetup()
	})
	return p, nil
}

// newPoolSetup encodes what every worker gets, once, keeping duplicates
// of the descriptors the encoding needs (a Lock in initargs).
func newPoolSetup(rt *builtins.Runtime, initializer starlark.Value, initargs starlark.Tuple, maxTasks int) (*poolSetup, error) {
	var fds mpcore.FDTable
	payload, err := rt.Encoder(&builtins.ShareContext{FDs: &fds}).Append(nil, "initargs",
		starlark.Tuple{initializer, initargs, starlark.MakeInt(maxTasks)})
	if err != nil {
		return nil, exceptions.TypeError.Errorf("cannot start pool workers: %s", strings.Replace(err.Error(), "initargs[0]", "initializer", 1))
	}
	s := &poolSetup{payload: payload}
	for _, fd := range fds.FDs() {
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			closeFDs(s.fds)
			return nil, exceptions.OSError.Errorf("cannot keep descriptor %d for pool workers: %v", fd, err)
		}
		s.fds = append(s.fds, dup)
	}
	return s, nil
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// releaseSetup closes the setup's descriptors once no worker can start.
func (p *Pool) releaseSetup() {
	p.releaseOnce.Do(func() { closeFDs(p.setup.fds) })
}

// workerPrefix is the name CPython gives pool processes of a start
// method: SpawnPoolWorker-N, ForkPoolWorker-N, ForkServerPoolWorker-N.
func workerPrefix(method string) string {
	switch method {
	case "fork":
		return "ForkPoolWorker"
	case "forkserver":
		return "ForkServerPoolWorker"
	}
	return "SpawnPoolWorker"
}

// startWorker starts one worker process; the engine calls it from New on
// the script's thread and from its goroutines to replace workers, so it
// touches no script value (the setup is already encoded).
func (p *Pool) startWorker() (*pool.Worker, error) {
	return startPoolWorker(p.rt, p.setup, p.method)
}

// startPoolWorker starts a process of rt running _worker with setup.
func startPoolWorker(rt *builtins.Runtime, setup *poolSetup, method string) (*pool.Worker, error) {
	parent, child, err := conn.Pipe(true)
	if err != nil {
		return nil, builtins.ConnErr(err)
	}
	proc := rt.NewChildProcess("", Worker, starlark.Tuple{setup, builtins.NewConnection(child)}, true)
	proc.SetName(strings.Replace(proc.Name(), "Process", workerPrefix(method), 1))
	proc.SetMethod(method)
	err = proc.Start()
	child.Close()
	if err != nil {
		parent.Close()
		return nil, err
	}
	return &pool.Worker{Name: proc.Name(), Conn: parent, Child: proc.Child()}, nil
}

// poolErr converts an engine error into the Python exception a script
// sees.
func (p *Pool) poolErr(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *pool.InitError:
		if v, derr := builtins.Decode(e.Payload, p.dc); derr == nil {
			if ev, ok := v.(*builtins.ErrorValue); ok {
				return ev.AsGoError()
			}
		}
		return exceptions.RuntimeError.Errorf("%s", e)
	case *pool.StartError:
		var pe *exceptions.Error
		if errors.As(e, &pe) {
			return pe
		}
		return exceptions.RuntimeError.Errorf("%s", e)
	}
	switch err {
	case pool.ErrNotRunning, pool.ErrStillRunning:
		return exceptions.ValueError.Errorf("%s", err)
	case pool.ErrTerminated:
		return exceptions.RuntimeError.Errorf("%s", err)
	}
	return err
}

// timeoutErr is the TimeoutError of a task that ran past its limit,
// naming it.
func timeoutErr(e *pool.TaskTimeoutError, task string) error {
	return exceptions.TimeoutError.Errorf("%s ran past its time limit of %g seconds; worker %s (pid %d) was killed and replaced",
		task, e.Timeout.Seconds(), e.Worker, e.Pid)
}

// lostErr is the WorkerLostError for a task, naming it, and the run's
// limit that killed the worker, if one did.
func (p *Pool) lostErr(e *pool.WorkerLostError, task string) error {
	if e.Host != "" {
		return exceptions.WorkerLostError.Errorf("%s was lost %d times; the last time on host %s: %s", task, e.Deliveries, e.Host, e.How)
	}
	if e.ExitCode == -int(unix.SIGINT) {
		// A running worker ignores SIGINT (see mpcore), so one dies of it
		// only when Ctrl-C reached it in the moment after it started.
		// That Ctrl-C is the main process's too: the script sees the
		// interruption, not a lost worker, whichever arrives first.
		return exceptions.KeyboardInterrupt.Errorf("worker %s (pid %d) was stopped by Ctrl-C (SIGINT) while running %s", e.Worker, e.Pid, task)
	}
	confine := p.rt.Config().Confine
	if limit := confine.LimitExceeded(e.ExitCode); limit != "" {
		task += ": " + limit
	}
	return exceptions.WorkerLostError.Errorf("worker %s (pid %d) exited with %s while running %s",
		e.Worker, e.Pid, pool.DescribeExit(e.ExitCode), task)
}

// Type implements starlark.Value.
func (p *Pool) Type() string { return "multiprocessing.pool.Pool" }

// Hash hashes by identity.
func (p *Pool) Hash() (uint32, error) { return value.IdentityHash(p), nil }

// String is CPython's repr.
func (p *Pool) String() string {
	return fmt.Sprintf("<multiprocessing.pool.Pool state=%s pool_size=%d>", p.state, p.size)
}

var poolMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"apply":          starlark.NewBuiltin("apply", poolApply),
		"apply_async":    starlark.NewBuiltin("apply_async", poolApplyAsync),
		"map":            starlark.NewBuiltin("map", poolMapMethod(false, false)),
		"map_async":      starlark.NewBuiltin("map_async", poolMapMethod(false, true)),
		"starmap":        starlark.NewBuiltin("starmap", poolMapMethod(true, false)),
		"starmap_async":  starlark.NewBuiltin("starmap_async", poolMapMethod(true, true)),
		"imap":           starlark.NewBuiltin("imap", poolIMapMethod(true)),
		"imap_unordered": starlark.NewBuiltin("imap_unordered", poolIMapMethod(false)),
		"close":          starlark.NewBuiltin("close", poolClose),
		"terminate":      starlark.NewBuiltin("terminate", poolTerminate),
		"join":           starlark.NewBuiltin("join", poolJoin),
	}
})

// Attr implements starlark.HasAttrs.
func (p *Pool) Attr(name string) (starlark.Value, error) {
	if name == "_processes" {
		return starlark.MakeInt(p.size), nil
	}
	return value.Attr(poolMethods, p, name)
}

// AttrNames implements starlark.HasAttrs.
func (p *Pool) AttrNames() []string { return value.AttrNames(poolMethods, "_processes") }

// Enter checks the pool is running, as CPython's __enter__.
func (p *Pool) Enter(*starlark.Thread) error { return p.checkRunning() }

// Exit terminates the pool, as CPython's __exit__.
func (p *Pool) Exit(*starlark.Thread, bool) error {
	p.terminate()
	return nil
}

func (p *Pool) checkRunning() error {
	if p.state != "RUN" {
		return exceptions.ValueError.New("Pool not running")
	}
	return nil
}

// poolCall starts every Pool method: it finds the pool and runs the
// callbacks deferred to the script's thread.
func poolCall(thread *starlark.Thread, b *starlark.Builtin) (*Pool, error) {
	p := b.Receiver().(*Pool)
	if err := p.rt.RunDeferred(thread); err != nil {
		return nil, err
	}
	return p, nil
}

// submit hands a task to the engine, numbering it; describe names it in
// errors and events.
func (p *Pool) submit(t *pool.Task, describe func() string) error {
	p.jobs++
	if t.Timeout == 0 {
		t.Timeout = p.taskTimeout
	}
	if emit := p.rt.Events(); emit != nil && p.local {
		p.reportTask(emit, t, describe)
	}
	return p.poolErr(p.eng.Submit(t))
}

// def close()
func poolClose(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p, err := poolCall(thread, b)
	if err != nil {
		return nil, err
	}
	if p.state == "RUN" {
		p.state = "CLOSE"
		p.eng.Close()
	}
	return starlark.None, nil
}

// def terminate()
func poolTerminate(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p, err := poolCall(thread, b)
	if err != nil {
		return nil, err
	}
	p.terminate()
	return starlark.None, p.rt.RunDeferred(thread)
}

// interrupted ends the pool's work when the script was stopped while it
// waited for it (Ctrl-C at the prompt, say): the interrupted call's tasks
// would go on in the workers, holding them. It returns the stop's error.
func (p *Pool) interrupted(err error) error {
	p.terminate()
	return err
}

func (p *Pool) terminate() {
	p.state = "TERMINATE"
	p.eng.Terminate()
	p.releaseSetup()
}

// def join()
func poolJoin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p, err := poolCall(thread, b)
	if err != nil {
		return nil, err
	}
	if err := p.eng.Join(-1); err != nil {
		return nil, p.poolErr(err)
	}
	p.releaseSetup()
	// Every task is done: run the callbacks still queued, as CPython's
	// join waits for its result handler.
	return starlark.None, p.rt.RunDeferred(thread)
}

// stderrTerminal reports whether the runtime's stderr is a terminal, where
// progress=True draws a bar rather than writing plain lines.
func stderrTerminal(rt *builtins.Runtime) bool {
	f, ok := rt.Config().Stderr.(*os.File)
	return ok && pool.IsTerminal(int(f.Fd()))
}
