package value

import (
	"sync"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// A lazy module is made once, on first use, however many goroutines reach
// it at once, and a script cannot tell it from starlarkstruct's.
func TestModuleIsMadeOnceOnFirstUse(t *testing.T) {
	made := 0
	m := NewModule("geo", func() starlark.StringDict {
		made++
		return starlark.StringDict{"x": starlark.MakeInt(1), "hello": starlark.String("hi")}
	})
	if made != 0 {
		t.Fatal("the module was made before its first use")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, _ := m.Attr("x"); v != starlark.MakeInt(1) {
				t.Errorf("geo.x = %v, want 1", v)
			}
		}()
	}
	wg.Wait()
	if made != 1 {
		t.Errorf("the module was made %d times, want 1", made)
	}

	eager := &starlarkstruct.Module{Name: "geo", Members: starlark.StringDict{"x": starlark.MakeInt(1), "hello": starlark.String("hi")}}
	for _, src := range []string{"str(m)", "type(m)", "dir(m)", "m.hello", "hasattr(m, 'nope')", "bool(m)"} {
		lazy, err1 := starlark.Eval(&starlark.Thread{}, "", src, starlark.StringDict{"m": m})
		want, err2 := starlark.Eval(&starlark.Thread{}, "", src, starlark.StringDict{"m": eager})
		if err1 != nil || err2 != nil || lazy.String() != want.String() {
			t.Errorf("%s: lazy module gives %v (%v), starlarkstruct's %v (%v)", src, lazy, err1, want, err2)
		}
	}
	if _, err := m.Hash(); err == nil {
		t.Error("a module is hashable")
	}
	if members, ok := ModuleMembers(m); !ok || members["x"] != starlark.MakeInt(1) {
		t.Errorf("ModuleMembers(lazy) = %v, %v", members, ok)
	}
	if members, ok := ModuleMembers(eager); !ok || members["x"] != starlark.MakeInt(1) {
		t.Errorf("ModuleMembers(starlarkstruct) = %v, %v", members, ok)
	}
	if _, ok := ModuleMembers(starlark.String("geo")); ok {
		t.Error("ModuleMembers took a string for a module")
	}
}

// A method table is made on first use, and binds its methods to the
// receiver.
func TestMethodsAreMadeOnFirstUse(t *testing.T) {
	made := 0
	methods := NewMethods(func() map[string]*starlark.Builtin {
		made++
		return map[string]*starlark.Builtin{
			"self": starlark.NewBuiltin("self", func(_ *starlark.Thread, b *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				return b.Receiver(), nil
			}),
		}
	})
	if made != 0 {
		t.Fatal("the table was made before its first use")
	}
	recv := starlark.String("receiver")
	m, err := Attr(methods, recv, "self")
	if err != nil || m == nil {
		t.Fatalf("Attr(self) = %v, %v", m, err)
	}
	if got, err := starlark.Call(&starlark.Thread{}, m, nil, nil); err != nil || got != recv {
		t.Errorf("bound method returned %v, %v; want its receiver", got, err)
	}
	if m, _ := Attr(methods, recv, "nope"); m != nil {
		t.Errorf("Attr(nope) = %v, want nil", m)
	}
	if names := AttrNames(methods, "field"); len(names) != 2 || names[0] != "field" || names[1] != "self" {
		t.Errorf("AttrNames = %v", names)
	}
	if made != 1 {
		t.Errorf("the table was made %d times, want 1", made)
	}
}
