package value

// Tables made on first use. Every spawned child runs every package's
// initialisation again before it does anything else, so a table made there
// costs each child its allocations and page faults whether or not its
// script uses it. A module or a method table declared with NewModule or
// NewMethods is made the first time a script reaches it, as Python imports
// a module the first time a script names it.

import (
	"fmt"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Methods is a method table made on first use.
type Methods struct {
	build func() map[string]*starlark.Builtin
	once  sync.Once
	table map[string]*starlark.Builtin
}

// NewMethods returns a method table that build makes when first used.
func NewMethods(build func() map[string]*starlark.Builtin) *Methods {
	return &Methods{build: build}
}

// Table returns the methods by name; callers must not modify it.
func (t *Methods) Table() map[string]*starlark.Builtin {
	t.once.Do(func() { t.table = t.build() })
	return t.table
}

// Module is a built-in module whose members are made the first time a
// script loads it or reads one of its attributes. It behaves as
// starlarkstruct.Module does: type "module", immutable, attributes are its
// members.
type Module struct {
	name    string
	build   func() starlark.StringDict
	once    sync.Once
	members starlark.StringDict
}

var _ starlark.HasAttrs = (*Module)(nil)

// NewModule returns the module name whose members build makes when first
// used.
func NewModule(name string, build func() starlark.StringDict) *Module {
	return &Module{name: name, build: build}
}

// Members returns the module's members; callers must not modify them.
func (m *Module) Members() starlark.StringDict {
	m.once.Do(func() { m.members = m.build() })
	return m.members
}

// Name is the module's name.
func (m *Module) Name() string { return m.name }

// String is the module as print shows it, as for starlarkstruct.Module.
func (m *Module) String() string { return fmt.Sprintf("<module %q>", m.name) }

// Type implements starlark.Value.
func (m *Module) Type() string { return "module" }

// Freeze implements starlark.Value: it freezes the members, as
// starlarkstruct.Module's does.
func (m *Module) Freeze() { m.Members().Freeze() }

// Truth implements starlark.Value: a module is true.
func (m *Module) Truth() starlark.Bool { return true }

// Hash implements starlark.Value: modules are unhashable, as
// starlarkstruct's are.
func (m *Module) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", m.Type()) }

// Attr implements starlark.HasAttrs.
func (m *Module) Attr(name string) (starlark.Value, error) { return m.Members()[name], nil }

// AttrNames implements starlark.HasAttrs.
func (m *Module) AttrNames() []string { return m.Members().Keys() }

// ModuleMembers returns the members of a module, made on first use or
// starlarkstruct's, and whether v is one.
func ModuleMembers(v starlark.Value) (starlark.StringDict, bool) {
	switch m := v.(type) {
	case *Module:
		return m.Members(), true
	case *starlarkstruct.Module:
		return m.Members, true
	}
	return nil, false
}
