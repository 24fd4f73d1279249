package pybuiltins

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/internal/scripttest"
	"github.com/mpstar/mpstar/lib/internal/startest"
)

// TestPrint checks that print writes each call with one write, to stdout
// or to the file given, and flushes when asked.
func TestPrint(t *testing.T) {
	var writes []string
	flushes := 0
	stdout := starlarkstruct.FromStringDict(starlark.String("stdout"), starlark.StringDict{
		"write": starlark.NewBuiltin("write", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			writes = append(writes, string(args[0].(starlark.String)))
			return starlark.None, nil
		}),
		"flush": starlark.NewBuiltin("flush", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			flushes++
			return starlark.None, nil
		}),
	})
	predeclared := Builtins(stdout)
	predeclared["struct"] = starlark.NewBuiltin("struct", starlarkstruct.Make)
	_, err := startest.Exec(t, "", `
print("a", 1, 2.5, 1e9, None, b"raw", sep="|", end="!\n")
print()
print("x", end="", flush=True)
parts = []
print("to", "file", file=struct(write=parts.append))
print(parts)
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a|1|2.5|1000000000.0|None|raw!\n", "\n", "x", "[\"to file\\n\"]\n"}
	if strings.Join(writes, "\x00") != strings.Join(want, "\x00") || flushes != 1 {
		t.Errorf("writes %q (flushes %d), want %q (1)", writes, flushes, want)
	}
}

// TestStarlarkFiles runs testdata/*.star (builtins.star) with this
// package's functions as a module named builtins.
func TestStarlarkFiles(t *testing.T) {
	builtins := &starlarkstruct.Module{Name: "builtins", Members: Builtins(starlark.None)}
	scripttest.Run(t, "*.star", scripttest.Options{Env: scripttest.Names(starlark.StringDict{"builtins": builtins})})
}
