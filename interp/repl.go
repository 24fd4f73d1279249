package interp

// An interactive session: the engine behind mpstar's REPL, usable by any
// host that reads input its own way (CPython's equivalent is the code
// module's InteractiveInterpreter running __main__).

import (
	"maps"
	"strconv"
	"sync/atomic"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/lib/sys"
)

// SessionFile names the module of an interactive session, in tracebacks
// and when its functions cross to other processes.
const SessionFile = "<stdin>"

// sessionOptions are fileOptions for chunks: a load at the prompt binds
// its names for the chunks that follow, not just for its own chunk.
var sessionOptions = func() *syntax.FileOptions {
	o := *fileOptions
	o.LoadBindsGlobally = true
	return &o
}()

// prevName is the predeclared name, unreachable from source text, of the
// values that a chunk's rebound globals had before it ran.
const prevName = "$prev"

// echoName is the global, unreachable from source text, that receives
// the value of a chunk that is a sole expression.
const echoName = "$echo"

// Session runs chunks of source typed at a prompt, one after another, as
// the main module "<stdin>" of one interpreter: the globals persist, a
// sole expression's value is echoed as Python's REPL does, and an uncaught
// error is reported without ending the session.
//
// Globals are live as in Python: a function defined in one chunk sees the
// values later chunks assign to the globals it uses.
type Session struct {
	rt     *builtins.Runtime
	run    *runner
	thread *starlark.Thread
	// scope is what chunks resolve names against: the predeclared names
	// and the module's globals. Every chunk's functions look names up in
	// this very map, which is what keeps them live.
	scope starlark.StringDict
	// globals are the module's own globals, without the predeclared names.
	globals starlark.StringDict

	busy atomic.Bool // a chunk is running
}

// NewSession starts the interpreter of an interactive session: a main
// process whose module is "<stdin>" and whose sys.argv is [""] plus
// opts.Args, as in Python's REPL. Close it to finish the process's work.
func NewSession(opts Options) *Session {
	refuseInChild()
	cfg := runtimeConfig(SessionFile, nil, opts)
	cfg.Argv[0] = ""
	r := newMainRunner(cfg, opts)
	rt := r.rt
	scope := rt.Predeclared("__main__", SessionFile)
	// Python's REPL has these too; they end the session as sys.exit does.
	scope["exit"], scope["quit"] = sys.ExitBuiltin("exit"), sys.ExitBuiltin("quit")
	return &Session{
		rt:      rt,
		run:     r,
		thread:  r.newThread("MainThread"),
		scope:   scope,
		globals: starlark.StringDict{},
	}
}

// Exec runs src, any number of statements, as the next chunk. When src is
// a single expression its value is written to Stdout (unless None) and
// bound to "_".
//
// An uncaught error is written to Stderr as a traceback and returned as an
// *ExitError with Code 1 and Err set; the session remains usable.
// sys.exit(n) returns an *ExitError with Code n and no Err: the caller
// should Close the session and end the process with that code.
func (s *Session) Exec(src string) error {
	s.run.texts[SessionFile] = []byte(src)
	f, err := sessionOptions.Parse(SessionFile, src, 0)
	if err != nil {
		return s.fail(err)
	}
	return s.execFile(f, []byte(src))
}

// ExecNext reads one chunk with readline — a blank line, a simple
// statement line, or a compound statement (def, if, for, while) ended by a
// blank line — and runs it as Exec does. readline returns one line of input
// with its newline; its first call in each ExecNext reads the chunk's first
// line, later calls read continuation lines.
//
// When readline fails (io.EOF at the end of input, say), ExecNext returns
// that error unchanged and discards the partial chunk.
func (s *Session) ExecNext(readline func() ([]byte, error)) error {
	var src []byte
	var readErr error
	f, err := sessionOptions.ParseCompoundStmt(SessionFile, func() ([]byte, error) {
		line, err := readline()
		if err != nil {
			readErr = err
			return nil, err
		}
		src = append(src, line...)
		s.run.texts[SessionFile] = src
		return line, nil
	})
	if readErr != nil {
		return readErr
	}
	if err != nil {
		return s.fail(err)
	}
	return s.execFile(f, src)
}

// Interrupt makes the chunk that is running fail with KeyboardInterrupt,
// as Ctrl-C does in Python, at once even when it is blocked in a builtin
// (join, get, acquire, recv, sleep, Pool.map...). Between chunks it does
// nothing. It is safe to call from any goroutine (a signal handler's,
// typically).
func (s *Session) Interrupt() {
	if s.busy.Load() {
		s.rt.Stop(exceptions.KeyboardInterrupt.New(""))
	}
}

// Close ends the session as a Python main process ends: daemonic children
// are terminated, the others joined, and the exit handlers run.
func (s *Session) Close() {
	s.rt.Finish()
	s.run.events.end(0)
}

// execFile runs a parsed chunk, echoing a sole expression's value, and
// records its source for fork children once it succeeded.
func (s *Session) execFile(f *syntax.File, src []byte) error {
	if len(f.Stmts) == 0 {
		return nil
	}
	err := s.running(func() error { return s.execStmts(f) })
	if err != nil {
		return s.fail(err)
	}
	// A child started under fork executes the session's defs and loads
	// from this source, and resolves functions by name in the
	// module recorded here. A copy is recorded: the session's own map
	// changes with every chunk while other goroutines may decode.
	s.rt.AppendSource(src)
	s.rt.SetModule(SessionFile, maps.Clone(s.globals))
	return nil
}

// running runs fn as the session's running code: Interrupt stops it, even
// in a blocking call.
func (s *Session) running(fn func() error) error {
	s.rt.Rearm()
	s.busy.Store(true)
	defer s.busy.Store(false)
	unbind := s.rt.Bind()
	defer unbind()
	return fn()
}

// Eval evaluates expr, a single expression, in the session's globals and
// returns its value, without echoing it or binding "_". An error is
// reported on Stderr and returned as Exec does; Interrupt stops it too.
func (s *Session) Eval(expr string) (starlark.Value, error) {
	var v starlark.Value
	err := s.running(func() (err error) {
		v, err = starlark.EvalOptions(sessionOptions, s.thread, SessionFile, expr, s.scope)
		return err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return v, nil
}

func (s *Session) execStmts(f *syntax.File) error {
	echo := captureSoleExpr(f)
	s.keepRebound(f)
	prog, err := starlark.FileProgram(f, lenient(s.scope))
	if err != nil {
		return err
	}
	builtins.NoteSyntax(prog, f)
	// Init returns the globals assigned before a failure too; Python keeps
	// those as well.
	globals, err := prog.Init(s.thread, s.scope)
	delete(s.scope, prevName) // only the chunk's first statements read it
	for name, v := range globals {
		if name != echoName {
			s.bind(name, v)
		}
	}
	if v := globals[echoName]; echo && err == nil && v != starlark.None {
		s.rt.WriteStdout(v.String() + "\n")
		s.bind("_", v)
	}
	return err
}

// captureSoleExpr turns a chunk that is a single expression into the
// assignment of its value to echoName, so that it can be echoed; it
// reports whether it did. (Evaluating the expression on its own would
// name its frame "<expr>" in tracebacks instead of Python's "<module>".)
func captureSoleExpr(f *syntax.File) bool {
	e, ok := f.Stmts[0].(*syntax.ExprStmt)
	if !ok || len(f.Stmts) != 1 {
		return false
	}
	pos, _ := e.Span()
	f.Stmts[0] = &syntax.AssignStmt{OpPos: pos, Op: syntax.EQ, LHS: &syntax.Ident{NamePos: pos, Name: echoName}, RHS: e.X}
	return true
}

// bind sets a global of the session.
func (s *Session) bind(name string, v starlark.Value) {
	s.globals[name] = v
	s.scope[name] = v
}

// keepRebound makes the chunk start with the current values of the names
// it binds. A name a chunk binds is a global of that chunk's own program,
// which starts out unset; without this, "n = n + 1" or "n += 1" would fail
// where Python succeeds. Names the chunk only reads stay predeclared
// references into the live scope.
func (s *Session) keepRebound(f *syntax.File) {
	prev := starlark.NewDict(0)
	var inits []syntax.Stmt
	pos, _ := f.Stmts[0].Span()
	boundNames(f.Stmts, func(name string) {
		v, ok := s.scope[name]
		if !ok {
			return
		}
		if _, found, _ := prev.Get(starlark.String(name)); found {
			return
		}
		prev.SetKey(starlark.String(name), v)
		inits = append(inits, initStmt(name, pos))
	})
	if len(inits) == 0 {
		return
	}
	s.scope[prevName] = prev
	f.Stmts = append(inits, f.Stmts...)
}

// initStmt is the statement name = $prev["name"], placed at pos.
func initStmt(name string, pos syntax.Position) syntax.Stmt {
	return &syntax.AssignStmt{
		OpPos: pos,
		Op:    syntax.EQ,
		LHS:   &syntax.Ident{NamePos: pos, Name: name},
		RHS: &syntax.IndexExpr{
			X:      &syntax.Ident{NamePos: pos, Name: prevName},
			Lbrack: pos,
			Y:      &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: strconv.Quote(name), Value: name},
			Rbrack: pos,
		},
	}
}

// boundNames calls add with each name stmts bind at module level,
// including inside top-level if, for and while blocks (but not inside
// functions, whose bindings are local).
func boundNames(stmts []syntax.Stmt, add func(string)) {
	for _, st := range stmts {
		switch st := st.(type) {
		case *syntax.AssignStmt:
			targetNames(st.LHS, add)
		case *syntax.DefStmt:
			add(st.Name.Name)
		case *syntax.LoadStmt:
			for _, id := range st.To {
				add(id.Name)
			}
		case *syntax.ForStmt:
			targetNames(st.Vars, add)
			boundNames(st.Body, add)
		case *syntax.WhileStmt:
			boundNames(st.Body, add)
		case *syntax.IfStmt:
			boundNames(st.True, add)
			boundNames(st.False, add)
		}
	}
}

// targetNames calls add with the names an assignment target binds; an
// index or attribute target binds none.
func targetNames(e syntax.Expr, add func(string)) {
	switch e := e.(type) {
	case *syntax.Ident:
		add(e.Name)
	case *syntax.ParenExpr:
		targetNames(e.X, add)
	case *syntax.TupleExpr:
		for _, x := range e.List {
			targetNames(x, add)
		}
	case *syntax.ListExpr:
		for _, x := range e.List {
			targetNames(x, add)
		}
	}
}

// fail reports a chunk's error on Stderr, Python's way, and returns it as
// an *ExitError (see Exec); an interrupted chunk's has Code 1, not a
// script's 130, as the session goes on.
func (s *Session) fail(err error) error {
	ee := s.run.report(err)
	if ee.Code == 130 {
		ee.Code = 1
	}
	return ee
}
