package modules

import (
	"slices"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// TestModuleNames checks that load() takes every module and submodule of
// Predeclared by its dotted name, the list interp's error shows.
func TestModuleNames(t *testing.T) {
	rt := builtins.NewRuntime(builtins.Config{Builtins: Predeclared})
	want := []string{"array", "base64", "codecs", "collections", "csv", "ctypes", "glob", "hashlib", "json", "logging",
		"math", "multiprocessing", "multiprocessing.connection", "multiprocessing.managers",
		"multiprocessing.pool", "multiprocessing.sharedctypes", "os", "os.path", "queue", "random", "re",
		"shutil", "subprocess", "sys", "time"}
	if got := rt.ModuleNames(); !slices.Equal(got, want) {
		t.Errorf("module names:\n got %q\nwant %q", got, want)
	}
	for _, name := range want {
		if rt.LoadModule(name) == nil {
			t.Errorf("LoadModule(%q) = nil", name)
		}
	}
	if rt.LoadModule("multiprocessing.nope") != nil || rt.LoadModule("sys.argv") != nil {
		t.Error("LoadModule found a module that does not exist")
	}
}

// TestBuiltinNames checks that every function of the multiprocessing
// modules is named module.name, as error messages show it.
func TestBuiltinNames(t *testing.T) {
	for _, m := range []*value.Module{Multiprocessing, Connection, Managers, Pool, Sharedctypes} {
		for name, v := range m.Members() {
			b, ok := v.(*starlark.Builtin)
			if !ok || b == pipe {
				continue
			}
			if want := m.Name() + "." + name; b.Name() != want {
				t.Errorf("%s.%s is named %s", m.Name(), name, b.Name())
			}
		}
	}
}

// TestExceptionTypes checks the predeclared exception types against what
// the table and the modules imply: every type of the table with a plain
// name (Python's queue.Empty is not one) that no predeclared module
// exposes, apart from the plain Starlark failure, Error.
func TestExceptionTypes(t *testing.T) {
	rt := builtins.NewRuntime(builtins.Config{Builtins: Predeclared})
	d := Predeclared(rt)
	inModule := map[*exceptions.Type]bool{}
	var walk func(members starlark.StringDict)
	walk = func(members starlark.StringDict) {
		for _, v := range members {
			if typ, ok := v.(*exceptions.Type); ok {
				inModule[typ] = true
			} else if m, ok := value.ModuleMembers(v); ok {
				walk(m)
			}
		}
	}
	for _, v := range d {
		if m, ok := value.ModuleMembers(v); ok {
			walk(m)
		}
	}
	var want, got []string
	for _, typ := range exceptions.All() {
		if !inModule[typ] && typ != exceptions.StarlarkError && !strings.Contains(typ.Name(), ".") {
			want = append(want, typ.Name())
		}
	}
	for _, typ := range exceptionTypes {
		got = append(got, typ.Name())
		if d[typ.Name()] != typ {
			t.Errorf("%s is not predeclared as itself", typ.Name())
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("predeclared exception types:\n got %q\nwant %q", got, want)
	}
}

// TestShareKindsRefuseDuplicates checks that a kind two packages declare
// stops the assembly instead of one decoder shadowing the other.
func TestShareKindsRefuseDuplicates(t *testing.T) {
	defer func() {
		if r := recover(); r != "modules: share kind lock is declared twice" {
			t.Errorf("recovered %v", r)
		}
	}()
	mergeShareKinds(builtins.ShareKinds, map[string]builtins.ShareDecoder{"lock": nil})
	t.Error("a duplicate kind was merged")
}
