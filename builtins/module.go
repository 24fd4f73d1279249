package builtins

// The module registry. Each file of this package registers the members it
// provides in an init function, so the multiprocessing module and its
// submodules are assembled in one place without one file listing them all.

import (
	"sort"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

var moduleMembers = map[string]starlark.StringDict{}

// register adds a member to a module by its dotted name. It is called from
// init functions only.
func register(module, name string, v starlark.Value) {
	m := moduleMembers[module]
	if m == nil {
		m = starlark.StringDict{}
		moduleMembers[module] = m
	}
	if _, dup := m[name]; dup {
		panic("builtins: " + module + "." + name + " registered twice")
	}
	m[name] = v
}

// registerFunc registers a builtin function named module.name. Calls into
// the multiprocessing modules first run the callbacks other goroutines
// deferred to the script's thread (Runtime.Defer).
func registerFunc(module, name string, fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) {
	if strings.HasPrefix(module, "multiprocessing") {
		inner := fn
		fn = func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if rt := RuntimeOf(thread); rt != nil {
				if err := rt.RunDeferred(thread); err != nil {
					return nil, err
				}
			}
			return inner(thread, b, args, kwargs)
		}
	}
	register(module, name, starlark.NewBuiltin(module+"."+name, fn))
}

var buildModules = sync.OnceValue(func() map[string]*starlarkstruct.Module {
	mods := map[string]*starlarkstruct.Module{}
	names := make([]string, 0, len(moduleMembers))
	for name := range moduleMembers {
		names = append(names, name)
	}
	// Longest names first, so a submodule exists before its parent is built.
	sort.Slice(names, func(i, j int) bool { return strings.Count(names[i], ".") > strings.Count(names[j], ".") })
	for _, name := range names {
		members := moduleMembers[name] // registration is over: the module owns it
		for sub, m := range mods {
			if i := strings.LastIndexByte(sub, '.'); i >= 0 && sub[:i] == name {
				members[sub[i+1:]] = m
			}
		}
		mods[name] = &starlarkstruct.Module{Name: name, Members: members}
	}
	return mods
})

// Module returns the module registered under a dotted name, such as
// "multiprocessing.connection", or nil.
func Module(name string) *starlarkstruct.Module { return buildModules()[name] }
