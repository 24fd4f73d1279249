package modules

import (
	"maps"

	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/lib/base64"
	"github.com/mpstar/mpstar/lib/codecs"
	"github.com/mpstar/mpstar/lib/collections"
	"github.com/mpstar/mpstar/lib/csv"
	"github.com/mpstar/mpstar/lib/file"
	"github.com/mpstar/mpstar/lib/glob"
	"github.com/mpstar/mpstar/lib/hashlib"
	"github.com/mpstar/mpstar/lib/json"
	"github.com/mpstar/mpstar/lib/logging"
	libos "github.com/mpstar/mpstar/lib/os"
	"github.com/mpstar/mpstar/lib/pybuiltins"
	"github.com/mpstar/mpstar/lib/random"
	"github.com/mpstar/mpstar/lib/re"
	"github.com/mpstar/mpstar/lib/shutil"
	"github.com/mpstar/mpstar/lib/subprocess"
	"github.com/mpstar/mpstar/lib/sys"
	libtime "github.com/mpstar/mpstar/lib/time"
)

// The predeclared functions of this package's own making.
var (
	catch         = starlark.NewBuiltin("catch", builtins.Catch)
	fail          = starlark.NewBuiltin("fail", builtins.Raise)
	getattr       = starlark.NewBuiltin("getattr", builtins.Getattr)
	hasattr       = starlark.NewBuiltin("hasattr", builtins.Hasattr)
	with          = starlark.NewBuiltin("with_", builtins.With)
	structBuiltin = starlark.NewBuiltin("struct", starlarkstruct.Make)
)

// Predeclared returns the names every module of rt's run sees, beyond
// Starlark's universe: the modules (load() also takes each by name, and
// each submodule by its dotted name) and the builtin functions. sys, os
// and random are made for rt: sys has its argv and output, random its own
// generator, os a snapshot of the environment the run may read; sys.stdin and input share
// one buffer. builtins.Config.Builtins
// takes this function.
func Predeclared(rt *builtins.Runtime) starlark.StringDict {
	cfg := rt.Config()
	stdin := file.Stdin()
	sysModule := sys.New(cfg.Argv, stdin, rt.WriteStdout, rt.WriteStderr)
	d := starlark.StringDict{
		// modules
		"multiprocessing": Multiprocessing,
		"queue":           Queue,
		"ctypes":          builtins.CtypesModule,
		"array":           pytypes.ArrayModule,
		"logging":         logging.Module,
		"time":            libtime.Module,
		"math":            math.Module,
		"json":            json.Module,
		"sys":             sysModule,
		"os":              libos.New(&cfg.Confine.Grants),
		"random":          random.New(),
		"glob":            glob.Module,
		"shutil":          shutil.Module,
		"subprocess":      subprocess.Module,
		"re":              re.Module,
		"csv":             csv.Module,
		"hashlib":         hashlib.Module,
		"base64":          base64.Module,
		"collections":     collections.Module,
		"codecs":          codecs.Module,

		// functions
		"catch":     catch,
		"fail":      fail,
		"getattr":   getattr,
		"hasattr":   hasattr,
		"with_":     with,
		"struct":    structBuiltin,
		"bytearray": pytypes.BytearrayBuiltin,
		"sum":       pytypes.SumBuiltin,
		"repr":      pytypes.ReprBuiltin,
		"open":      file.Open,
		"input":     file.Input(stdin, rt.WriteStdout),
	}
	// format, print (to sys.stdout), round, divmod, pow, hex, oct, bin
	maps.Copy(d, pybuiltins.Builtins(sysModule.Members["stdout"]))
	// ValueError, KeyError, ...: Python's exception types, callable
	for _, t := range exceptionTypes {
		d[t.Name()] = t
	}
	return d
}

// exceptionTypes are the exception types predeclared by name, so that
// catch's every report can be raised again by name: every type of the table
// that a script would name without a module in Python (ValueError,
// KeyError, ...), and BrokenBarrierError and MaybeEncodingError, which no
// module here exposes. Types a predeclared module exposes
// (multiprocessing.ProcessError, queue.Empty) are loaded from it, and plain
// Starlark failures (Error) come from fail("text"). It is a list, not worked
// out from the modules, because every child process would work it out
// again; TestExceptionTypes checks it against the table and the modules.
var exceptionTypes = []*exceptions.Type{
	exceptions.BaseException, exceptions.SystemExit, exceptions.KeyboardInterrupt, exceptions.Exception,
	exceptions.ArithmeticError, exceptions.OverflowError, exceptions.ZeroDivisionError,
	exceptions.AssertionError, exceptions.AttributeError, exceptions.EOFError, exceptions.MemoryError,
	exceptions.NameError, exceptions.StopIteration, exceptions.TypeError,
	exceptions.LookupError, exceptions.IndexError, exceptions.KeyError,
	exceptions.OSError, exceptions.BlockingIOError, exceptions.ChildProcessError,
	exceptions.ConnectionError, exceptions.BrokenPipeError, exceptions.ConnectionAbortedError,
	exceptions.ConnectionRefusedError, exceptions.ConnectionResetError,
	exceptions.FileExistsError, exceptions.FileNotFoundError, exceptions.InterruptedError,
	exceptions.IsADirectoryError, exceptions.NotADirectoryError, exceptions.PermissionError,
	exceptions.ProcessLookupError,
	exceptions.RuntimeError, exceptions.NotImplementedError, exceptions.RecursionError,
	exceptions.ValueError, exceptions.UnicodeError, exceptions.UnicodeDecodeError, exceptions.UnicodeEncodeError,
	exceptions.MaybeEncodingError, exceptions.BrokenBarrierError,
}
