package builtins

// The names predeclared in every script (SPEC §2), and the modules load()
// can name.

import (
	"strings"

	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/builtins/pytypes"
	"github.com/mpstar/mpstar/lib/base64"
	"github.com/mpstar/mpstar/lib/codecs"
	"github.com/mpstar/mpstar/lib/collections"
	"github.com/mpstar/mpstar/lib/csv"
	"github.com/mpstar/mpstar/lib/file"
	"github.com/mpstar/mpstar/lib/glob"
	"github.com/mpstar/mpstar/lib/hashlib"
	"github.com/mpstar/mpstar/lib/json"
	"github.com/mpstar/mpstar/lib/pybuiltins"
	"github.com/mpstar/mpstar/lib/re"
	"github.com/mpstar/mpstar/lib/shutil"
	"github.com/mpstar/mpstar/lib/subprocess"
)

// Predeclared returns the predeclared names for a module of this runtime,
// with __name__ and __file__ set for it.
func (rt *Runtime) Predeclared(name, file string) starlark.StringDict {
	base := rt.base()
	d := make(starlark.StringDict, len(base)+2)
	for k, v := range base {
		d[k] = v
	}
	d["__name__"] = starlark.String(name)
	d["__file__"] = starlark.String(file)
	return d
}

// base returns the names shared by every module of the runtime; callers
// must not modify it.
func (rt *Runtime) base() starlark.StringDict {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.predeclared == nil {
		rt.predeclared = rt.basePredeclared()
	}
	return rt.predeclared
}

// Encoder returns an encoder for values leaving this process: builtins
// cross by their predeclared names. The one for channels that carry no
// descriptors (every send and put) is made once: encoders hold no state.
func (rt *Runtime) Encoder(sc *ShareContext) *Encoder {
	base := rt.base()
	if sc != nil {
		return &Encoder{Share: sc, Predeclared: base}
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.plain == nil {
		rt.plain = &Encoder{Predeclared: base}
	}
	return rt.plain
}

const decodeContextKey = "mpstar.decodecontext"

// DecodeContext returns the context for decoding values that arrived in
// this process, with fds the descriptors that came with them. The one
// without descriptors (every recv and get) is made once per thread.
func (rt *Runtime) DecodeContext(thread *starlark.Thread, fds []int) *DecodeContext {
	if fds == nil && thread != nil {
		if dc, ok := thread.Local(decodeContextKey).(*DecodeContext); ok {
			return dc
		}
		dc := rt.newDecodeContext(thread, nil)
		thread.SetLocal(decodeContextKey, dc)
		return dc
	}
	return rt.newDecodeContext(thread, fds)
}

func (rt *Runtime) newDecodeContext(thread *starlark.Thread, fds []int) *DecodeContext {
	dc := &DecodeContext{Unshare: UnshareContext{FDs: fds, Authkey: rt.self.authkey}, Resolve: rt.Resolver(thread), Predeclared: rt.base()}
	dc.Unshare.Decode = func(b []byte) (starlark.Value, error) { return Decode(b, dc) }
	return dc
}

func (rt *Runtime) basePredeclared() starlark.StringDict {
	stdin := file.Stdin()
	sys := rt.sysModule(stdin)
	d := starlark.StringDict{
		"multiprocessing": Module("multiprocessing"),
		"struct":          starlark.NewBuiltin("struct", starlarkstruct.Make),
		"sys":             sys,
		"os":              osModule(),
		"time":            timeModule,
		"math":            math.Module,
		"json":            json.Module,
		"random":          newRandomState().module(),
		"array":           pytypes.ArrayModule,
		"bytearray":       pytypes.BytearrayBuiltin,
		"sum":             pytypes.SumBuiltin,
		"repr":            pytypes.ReprBuiltin,
		"open":            file.Open,
		"input":           file.Input(stdin, rt.WriteStdout),
		"glob":            glob.Module,
		"shutil":          shutil.Module,
		"subprocess":      subprocess.Module,
		"re":              re.Module,
		"csv":             csv.Module,
		"hashlib":         hashlib.Module,
		"base64":          base64.Module,
		"collections":     collections.Module,
		"codecs":          codecs.Module,
	}
	for k, v := range pybuiltins.Builtins(sys.Members["stdout"]) {
		d[k] = v
	}
	for k, v := range moduleMembers[""] {
		d[k] = v
	}
	for _, name := range []string{"queue", "ctypes", "logging"} {
		if m := Module(name); m != nil {
			d[name] = m
		}
	}
	for k, v := range rt.cfg.Extra {
		d[k] = v
	}
	return d
}

// LoadModule returns the members of a built-in module that load() may name
// ("multiprocessing", "multiprocessing.connection", "time", ...), or nil.
func (rt *Runtime) LoadModule(name string) starlark.StringDict {
	if m := Module(name); m != nil && name != "" {
		return m.Members
	}
	return submodule(rt.base(), name)
}

// submodule finds a predeclared module by its dotted name ("os.path").
func submodule(names starlark.StringDict, dotted string) starlark.StringDict {
	for _, name := range strings.Split(dotted, ".") {
		m, ok := names[name].(*starlarkstruct.Module)
		if !ok {
			return nil
		}
		names = m.Members
	}
	return names
}
