package interp

import (
	"testing"

	"go.starlark.net/starlark"
)

// A compiled program is reused only where it was compiled with the same
// predeclared names: the key must change with the set, not with the order
// a map yields it in.
func TestProgramKeyFollowsPredeclaredNames(t *testing.T) {
	src := []byte("x = f()\n")
	dict := func(names ...string) starlark.StringDict {
		d := starlark.StringDict{}
		for _, n := range names {
			d[n] = starlark.None
		}
		return d
	}
	base := programKey(moduleProgram, "a.star", src, dict("f", "g", "print"))
	for i := 0; i < 20; i++ { // map order varies from one range to the next
		if k := programKey(moduleProgram, "a.star", src, dict("print", "g", "f")); k != base {
			t.Fatalf("same names, another order: key %s, want %s", k, base)
		}
	}
	for what, k := range map[string]string{
		"a name more":    programKey(moduleProgram, "a.star", src, dict("f", "g", "print", "h")),
		"a name fewer":   programKey(moduleProgram, "a.star", src, dict("f", "print")),
		"a name renamed": programKey(moduleProgram, "a.star", src, dict("f", "gg", "print")),
		"names swapped":  programKey(moduleProgram, "a.star", src, dict("fg", "", "print")),
		"another kind":   programKey(defsOnlyProgram, "a.star", src, dict("f", "g", "print")),
		"another file":   programKey(moduleProgram, "b.star", src, dict("f", "g", "print")),
		"another source": programKey(moduleProgram, "a.star", []byte("x = g()\n"), dict("f", "g", "print")),
	} {
		if k == base {
			t.Errorf("%s: same key as before", what)
		}
	}
}
