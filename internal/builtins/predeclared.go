package builtins

// The names predeclared in every script, which Config.Builtins makes
// (modules.Predeclared), and the modules load() can name.

import (
	"maps"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"
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
	d := rt.predeclared
	rt.mu.Unlock()
	if d != nil {
		return d
	}
	if rt.cfg.Builtins != nil {
		d = rt.cfg.Builtins(rt)
	}
	if d == nil {
		d = make(starlark.StringDict, len(rt.cfg.Extra))
	}
	maps.Copy(d, rt.cfg.Extra)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.predeclared == nil { // not made meanwhile by another goroutine
		rt.predeclared = d
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

// DecodeContext returns the context for decoding values that arrived in
// this process, with fds the descriptors that came with them. The one
// without descriptors (every recv and get) is made once per thread.
func (rt *Runtime) DecodeContext(thread *starlark.Thread, fds []int) *DecodeContext {
	if fds == nil && thread != nil {
		if s := stateOf(thread); s != nil && s.rt == rt {
			if s.decode == nil {
				s.decode = rt.newDecodeContext(thread, nil)
			}
			return s.decode
		}
	}
	return rt.newDecodeContext(thread, fds)
}

func (rt *Runtime) newDecodeContext(thread *starlark.Thread, fds []int) *DecodeContext {
	dc := &DecodeContext{
		Unshare: UnshareContext{FDs: fds, Authkey: rt.self.authkey, Warn: rt.WriteStderr, Managers: rt.managers, ShareKinds: rt.cfg.ShareKinds},
		Resolve: rt.Resolver(thread), Predeclared: rt.base(),
	}
	dc.Unshare.Decode = func(b []byte) (starlark.Value, error) { return Decode(b, dc) }
	return dc
}

// LoadModule returns the members of a built-in module that load() may name
// ("multiprocessing", "multiprocessing.connection", "time", ...): a
// predeclared module, or a submodule of one, by its dotted name; or nil.
func (rt *Runtime) LoadModule(name string) starlark.StringDict {
	members := rt.base()
	for _, part := range strings.Split(name, ".") {
		var ok bool
		if members, ok = value.ModuleMembers(members[part]); !ok {
			return nil
		}
	}
	return members
}

// ModuleNames returns the names LoadModule accepts, sorted.
func (rt *Runtime) ModuleNames() []string {
	var names []string
	var walk func(prefix string, members starlark.StringDict)
	walk = func(prefix string, members starlark.StringDict) {
		for name, v := range members {
			if m, ok := value.ModuleMembers(v); ok {
				names = append(names, prefix+name)
				walk(prefix+name+".", m)
			}
		}
	}
	walk("", rt.base())
	sort.Strings(names)
	return names
}
