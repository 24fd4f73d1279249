package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/modules"
	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/sandbox"

	_ "github.com/mpstar/mpstar/interp/internal/quietlog" // before go.starlark.net/starlark: see its doc
)

// Options configure a script run. The zero value runs with the process's
// stdout and stderr, no arguments and this executable as the child program.
type Options struct {
	// Stdout and Stderr receive print output and errors, the script's and
	// its children's; nil means the process's own. Any io.Writer will do,
	// one unsafe for concurrent use too: every write to it is serialised,
	// and children's output is relayed through the main process a whole
	// line at a time, so lines from different processes never interleave
	// (a line still without its newline is held back until it ends, up to
	// 16 MiB).
	Stdout, Stderr io.Writer
	// Args are sys.argv[1:]; sys.argv[0] is the script's name.
	Args []string
	// Predeclared are extra names every module of the script sees, in the
	// main process and in children alike. They are of two kinds, told
	// apart by type:
	//
	//   - values (None, booleans, numbers, strings, bytes, and lists,
	//     tuples, dicts, sets and structs of them) belong to the run: they
	//     are sent to its children, where they win over the values given
	//     to ChildMain, so concurrent runs may each have their own;
	//   - everything else (Go builtins, host modules) belongs to the
	//     binary: a child has only what ChildMain's Options register, so
	//     register it there too.
	//
	// A *starlarkstruct.Module among them is also a module load() finds by
	// name: Predeclared{"geo": geoModule} lets a script write
	// load("geo", "distance").
	Predeclared starlark.StringDict
	// Loader, if set, reads the files load() names ("lib.star",
	// "./util/text.star"; paths are relative to the loading file, the main
	// script's name included) instead of the disk: FSLoader serves them
	// from an fs.FS such as an embed.FS. Children get every file the run
	// loaded from the run itself, so they see exactly the parent's modules
	// and never call Loader; ChildMain need not have it.
	Loader func(path string) ([]byte, error)
	// Executable is the program children run ("" = this executable). It
	// must call ChildMain with the same Options.
	Executable string
	// ExitHook, if set, runs in a child just before it exits (a host may
	// flush its own state there).
	ExitHook func()

	// Permissions are what the run may touch: files to read and to write,
	// programs to run, hosts and ports to reach, environment variables to
	// read. The zero value allows nothing, in the Starlark tradition of
	// hermetic scripts: grant what a script needs, or sandbox.AllowAll().
	// A refused operation raises PermissionError naming what was refused.
	// Every process of the run is held to them; children cannot widen them.
	Permissions sandbox.Grants
	// Kernel has Landlock (where the kernel has it) hold every child
	// process of the run to Permissions as well, so that the programs a
	// script runs are held to them too. The host's own process is not
	// confined (see ConfineProcess).
	Kernel bool
	// Limits are resource limits of every child process of the run: memory
	// (address space), CPU seconds, open files; and of the run as a whole:
	// its live processes, the host's own included. A child past one dies
	// with an error that names it, a start past the process cap fails
	// with BlockingIOError; the run goes on.
	Limits sandbox.Limits
	// MaxSteps bounds the Starlark execution steps of every thread of
	// every process of the run (0: no bound); past it the script fails.
	MaxSteps uint64

	// Events, if set, receives the run's events (see Event): processes
	// started and exited, pool tasks started, finished and failed, pool
	// workers lost. It is called on a goroutine of its own, one event at a
	// time, in order, and every event has been delivered when the run
	// returns (Script.Close, Session.Close). A Trace's Add makes a Chrome
	// trace of them. It belongs to the run; ChildMain ignores it. Unset, it
	// costs nothing.
	Events func(Event)
}

// FSLoader returns a Loader that reads files from fsys (an embed.FS, say),
// by their slash-separated paths.
func FSLoader(fsys fs.FS) func(path string) ([]byte, error) {
	return func(path string) ([]byte, error) { return fs.ReadFile(fsys, filepath.ToSlash(path)) }
}

// FileOptions returns the Starlark dialect options of mpstar scripts:
// sets, while loops, top-level control flow, global reassignment and
// recursion are enabled so that Python-shaped scripts parse. Each call
// returns a new copy: changing it changes nothing in mpstar.
func FileOptions() *syntax.FileOptions {
	o := *fileOptions
	return &o
}

// fileOptions are the options every script is parsed with.
var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	Recursion:       true,
}

// ExitError is returned when a script ends with a non-zero exit status:
// sys.exit(n), or an uncaught error (Code 1, already reported on Stderr).
type ExitError struct {
	Code int
	Err  error // the uncaught error, or nil after sys.exit
}

// Error implements the error interface.
func (e *ExitError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("script failed: %v", e.Err)
	}
	return fmt.Sprintf("script exited with status %d", e.Code)
}

// Unwrap returns the uncaught error.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit status for an error from RunFile or
// RunString: 0 for nil, the ExitError's code, or 1.
func ExitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	return 1
}

// RunFile runs the script in filename as the main module, then joins its
// children as a Python main process does at exit. It is RunFileContext
// with a context that never ends.
func RunFile(filename string, opts Options) error {
	return RunFileContext(context.Background(), filename, opts)
}

// RunString runs src as the main module; filename names it in tracebacks.
// It is RunStringContext with a context that never ends.
func RunString(filename, src string, opts Options) error {
	return RunStringContext(context.Background(), filename, src, opts)
}

// RunFileContext is RunStringContext on the contents of filename.
func RunFileContext(ctx context.Context, filename string, opts Options) error {
	src, err := os.ReadFile(filename)
	if err != nil {
		return fmt.Errorf("can't open file %q: %w", filename, err)
	}
	return RunStringContext(ctx, filename, string(src), opts)
}

// RunStringContext runs src as the main module (filename names it in
// tracebacks), then joins its children as a Python main process does at
// exit.
//
// When ctx ends first, the script stops at once, even inside a blocking
// call (join, get, acquire, recv, sleep, Pool.map, a manager call...): that
// call fails, the traceback of where the script was goes to Stderr, every
// process the run started is ended (their children too) before
// RunStringContext returns, and the error it returns wraps ctx.Err(). A
// context cancelled with the cause KeyboardInterrupt
// (context.WithCancelCause) ends the run as Ctrl-C ends a Python program
// instead: KeyboardInterrupt, exit code 130.
func RunStringContext(ctx context.Context, filename, src string, opts Options) error {
	_, err := Run(ctx, filename, src, opts)
	return err
}

// Run is RunStringContext that also returns the main module's globals, as
// starlark.ExecFile does: after a failure, those assigned before it.
func Run(ctx context.Context, filename, src string, opts Options) (starlark.StringDict, error) {
	s, err := Exec(ctx, filename, src, opts)
	if cerr := s.CloseContext(ctx); err == nil {
		err = cerr
	}
	return s.Globals(), err
}

// refuseInChild ends a child process whose main runs a script instead of
// calling ChildMain first: it would run the host's main again in every
// child, each starting children of its own without end. The message goes
// to the parent's stderr, which sees this child fail.
func refuseInChild() {
	if mpcore.IsChild() {
		fmt.Fprint(os.Stderr, "mpstar: this process was started as a child process of a script, but its main ran a script instead of calling interp.ChildMain: call interp.ChildMain(opts) first thing in main, before any other work\n")
		os.Exit(1)
	}
}

// KeyboardInterrupt is the cause (see context.WithCancelCause) with which
// a host cancels a run's context to stop it as Ctrl-C stops a Python
// program.
var KeyboardInterrupt = errors.New("KeyboardInterrupt")

// under runs fn on the calling goroutine as the script's thread: its
// blocking calls stop when ctx ends (see mpcore/stop).
func (r *runner) under(ctx context.Context, fn func()) {
	unbind := r.rt.Bind()
	defer unbind()
	halt := context.AfterFunc(ctx, func() { r.rt.Stop(stopCause(ctx)) })
	defer halt()
	fn()
}

// stopCause is the error a script's blocking call fails with when ctx
// ends: a KeyboardInterrupt for that cause, else one that wraps ctx.Err().
func stopCause(ctx context.Context) error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, KeyboardInterrupt):
		return exceptions.KeyboardInterrupt.New("")
	case cause != ctx.Err():
		return fmt.Errorf("script stopped: %w (%w)", ctx.Err(), cause)
	}
	return fmt.Errorf("script stopped: %w", ctx.Err())
}

// finish ends the process's work as a Python main process does at exit,
// or, when the script was stopped, ends every process it started.
func (r *runner) finish() {
	if r.rt.Stopped() != nil {
		r.rt.EndChildren()
	}
	r.rt.Finish()
}

func runtimeConfig(filename string, src []byte, opts Options) builtins.Config {
	return builtins.Config{
		Stdout: opts.Stdout, Stderr: opts.Stderr, Executable: opts.Executable,
		Filename: filename, Source: src, Argv: append([]string{filename}, opts.Args...),
		Builtins: modules.Predeclared, ShareKinds: modules.ShareKinds, Extra: opts.Predeclared,
		Confine: confinement(opts, filename),
	}
}

// runner executes the modules of one runtime: the main script and the
// files it loads.
type runner struct {
	rt       *builtins.Runtime
	events   *eventQueue // the run's events, or nil
	loaded   map[string]*loadEntry
	mainDir  string
	programs programCache
	loader   func(string) ([]byte, error) // Options.Loader, or nil

	sourcesMu sync.Mutex
	sources   map[string][]byte // the loaded files, by path, for cluster workers
	// texts are the sources last compiled, by file name, for showing the
	// line of a syntax error.
	texts map[string][]byte
}

type loadEntry struct {
	globals starlark.StringDict
	err     error
	done    bool
}

// newMainRunner makes the runtime of a run's main process, and its runner,
// from cfg and the parts of opts that belong to the run.
func newMainRunner(cfg builtins.Config, opts Options) *runner {
	events := startEvents(opts.Events, &cfg)
	r := newRunner(builtins.NewRuntime(cfg), opts.Loader)
	r.events = events
	return r
}

func newRunner(rt *builtins.Runtime, loader func(string) ([]byte, error)) *runner {
	r := &runner{rt: rt, loaded: map[string]*loadEntry{}, mainDir: filepath.Dir(rt.Config().Filename), loader: loader, texts: map[string][]byte{}}
	rt.SetChildPrograms(r.childPrograms)
	rt.SetFileSources(r.fileSources)
	return r
}

func (r *runner) newThread(name string) *starlark.Thread {
	thread := &starlark.Thread{Name: name, Load: r.load}
	r.rt.Attach(thread)
	return thread
}

// runMainOn executes the main script as name on thread and reports how
// it ended, writing any error to stderr as Python would; it returns the
// module's globals too.
func (r *runner) runMainOn(thread *starlark.Thread, name string) (starlark.StringDict, *ExitError) {
	cfg := r.rt.Config()
	globals, err := r.exec(thread, cfg.Filename, cfg.Source, name)
	return globals, r.report(err)
}

// report converts a script error into an exit status, printing it.
func (r *runner) report(err error) *ExitError {
	if err == nil {
		return &ExitError{}
	}
	if cause := r.rt.Stopped(); cause != nil {
		return r.reportStop(err, cause)
	}
	if code, ok := builtins.ExitCodeOf(err, r.rt.WriteStderr); ok {
		return &ExitError{Code: code}
	}
	r.rt.WriteStderr(r.formatError(err))
	return &ExitError{Code: 1, Err: err}
}

// reportStop reports a script that was stopped: where it was, then the
// cause, whether a blocking call failed with it or the thread was
// cancelled between steps (an error that names only the reason).
func (r *runner) reportStop(err, cause error) *ExitError {
	var ee *starlark.EvalError
	tb := ""
	if errors.As(err, &ee) {
		tb = builtins.FormatTraceback(ee)
	}
	r.rt.WriteStderr(tb + builtins.ErrorFromGo(cause).String() + "\n")
	code := 1
	if exceptions.Is(cause, exceptions.KeyboardInterrupt) {
		code = 130 // as a shell reports Python's death by SIGINT
	}
	return &ExitError{Code: code, Err: cause}
}

// exec compiles and runs one module, recording its globals so functions
// defined in it can be found by name when they come from another process.
func (r *runner) exec(thread *starlark.Thread, filename string, src []byte, name string) (starlark.StringDict, error) {
	r.texts[filename] = src
	predeclared := r.rt.Predeclared(name, filename)
	prog, err := r.compile(filename, src, predeclared)
	if err != nil {
		return nil, err
	}
	builtins.NoteSource(prog, filename, src)
	globals, err := prog.Init(thread, predeclared)
	if globals != nil {
		r.rt.SetModule(filename, globals)
	}
	return globals, err
}

// load implements load(): built-in modules by name, sibling files by path
// relative to the loading file.
func (r *runner) load(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	if m := r.rt.LoadModule(module); m != nil {
		return m, nil
	}
	if !strings.HasSuffix(module, ".star") {
		return nil, fmt.Errorf("no module named %q (built-in modules: %s; files end in .star)", module, strings.Join(r.rt.ModuleNames(), ", "))
	}
	path := module
	if !filepath.IsAbs(path) {
		dir := r.mainDir
		if thread.CallStackDepth() > 0 {
			dir = filepath.Dir(thread.CallFrame(0).Pos.Filename())
		}
		path = filepath.Join(dir, module)
	}
	if e, ok := r.loaded[path]; ok {
		if !e.done {
			return nil, fmt.Errorf("cycle in load graph: %s loads itself", path)
		}
		return e.globals, e.err
	}
	e := &loadEntry{}
	r.loaded[path] = e
	src, err := r.readSource(path)
	if err != nil {
		e.err = fmt.Errorf("cannot load %s: %w", module, err)
	} else {
		name := strings.TrimSuffix(filepath.Base(path), ".star")
		e.globals, e.err = r.exec(r.newThread("load "+module), path, src, name)
	}
	e.done = true
	return e.globals, e.err
}

// readSource reads a loaded file: from the parent's preparation data if
// it sent the file (a cluster worker's host has no copy of it on disk),
// else from disk. It keeps what it read for fileSources.
func (r *runner) readSource(path string) ([]byte, error) {
	src := r.rt.ParentExtra(builtins.FileExtraPrefix + path)
	switch {
	case src != nil:
	case r.loader != nil:
		var err error
		if src, err = r.loader(path); err != nil {
			return nil, err
		}
		// Children have no Loader: they get the file from the run.
		r.rt.SetChildExtra(builtins.FileExtraPrefix+path, src)
	default:
		var err error
		if src, err = readFile(path); err != nil {
			return nil, err
		}
	}
	r.sourcesMu.Lock()
	defer r.sourcesMu.Unlock()
	if r.sources == nil {
		r.sources = map[string][]byte{}
	}
	r.sources[path] = src
	return src, nil
}

// readFile is os.ReadFile without Go's network poller. A regular file never
// waits on the poller, but os.ReadFile offers it every file, and the first
// offer starts it: an epoll instance, an eventfd and eight system calls in
// a spawned child that otherwise never needs one.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path) // a blocking descriptor: NewFile keeps it off the poller
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, info.Size()+1))
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}

// fileSources is the runtime's FileSources.
func (r *runner) fileSources() map[string][]byte {
	r.sourcesMu.Lock()
	defer r.sourcesMu.Unlock()
	out := make(map[string][]byte, len(r.sources))
	for path, src := range r.sources {
		out[path] = src
	}
	return out
}

// undefinedName is the resolver's message for an undefined name, with
// its spelling suggestion if any.
var undefinedName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^undefined: (\S+)(?: \(did you mean (\S+)\?\))?$`) })

// formatError renders an uncaught error: Python's traceback shape for
// runtime errors, and file/line plus the cause for compile errors.
func (r *runner) formatError(err error) string {
	var se syntax.Error
	if errors.As(err, &se) {
		return formatSyntaxError(se, r.sourceLine(se.Pos))
	}
	var rl resolve.ErrorList
	if errors.As(err, &rl) {
		var b strings.Builder
		for _, e := range rl {
			fmt.Fprintf(&b, "  File \"%s\", line %d\n", e.Pos.Filename(), e.Pos.Line)
			if line := strings.TrimLeft(r.sourceLine(e.Pos), " \t"); line != "" {
				fmt.Fprintf(&b, "    %s\n", line)
			}
			if m := undefinedName().FindStringSubmatch(e.Msg); m != nil {
				fmt.Fprintf(&b, "NameError: name '%s' is not defined", m[1])
				if m[2] != "" {
					fmt.Fprintf(&b, ". Did you mean: '%s'?", m[2])
				}
				b.WriteString("\n")
			} else {
				fmt.Fprintf(&b, "SyntaxError: %s\n", e.Msg)
			}
		}
		return b.String()
	}
	return r.withSuggestion(builtins.FormatUncaught(err), err)
}

// notDefined is a NameError's message, which Python's traceback follows
// with a suggestion.
var notDefined = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^name '(\S+)' is not defined$`) })

// withSuggestion adds Python's "Did you mean" to an uncaught NameError's
// traceback: a name a REPL chunk or function uses that was never
// assigned (other undefined names fail to compile, with the resolver's
// suggestion).
func (r *runner) withSuggestion(text string, err error) string {
	typ, msg, _ := builtins.Classify(err)
	m := notDefined().FindStringSubmatch(msg)
	if typ != exceptions.NameError || m == nil {
		return text
	}
	var names []string
	for _, d := range []starlark.StringDict{starlark.Universe, r.rt.Predeclared("__main__", ""), r.rt.MainGlobals()} {
		names = append(names, d.Keys()...)
	}
	if s := suggestName(m[1], names); s != "" {
		return strings.TrimSuffix(text, "\n") + ". Did you mean: '" + s + "'?\n"
	}
	return text
}

// sourceLine returns the line at pos of the text last compiled from its
// file, or "".
func (r *runner) sourceLine(pos syntax.Position) string {
	lines := strings.Split(string(r.texts[pos.Filename()]), "\n")
	if pos.Line < 1 || int(pos.Line) > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[pos.Line-1], "\r")
}
