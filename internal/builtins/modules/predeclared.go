package modules

import (
	"maps"
	"sync"

	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/internal/builtins"
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
	exceptionNames.once.Do(func() { exceptionNames.d = builtins.ExceptionNames(d) })
	maps.Copy(d, exceptionNames.d)
	return d
}

// exceptionNames are the exception types Predeclared adds. They are the
// same for every run (a run's own modules hold the same types as any
// other's), so they are found once per process: every child process
// starts by making its run's names.
var exceptionNames struct {
	once sync.Once
	d    starlark.StringDict
}
