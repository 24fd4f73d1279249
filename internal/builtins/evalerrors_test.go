package builtins_test

import (
	"errors"
	"testing"

	"github.com/mpstar/mpstar/internal/builtins"
)

// TestInterpreterErrorsTyped checks that the interpreter's own messages
// get Python's types, and that a script's fail() keeps type Error whatever
// its text says.
func TestInterpreterErrorsTyped(t *testing.T) {
	for _, c := range []struct{ msg, typ, text string }{
		{`key "x" not in dict`, "KeyError", "'x'"},
		{"floored division by zero", "ZeroDivisionError", "integer division or modulo by zero"},
		{"getattr: NoneType has no .x field or method", "AttributeError", "'NoneType' object has no attribute 'x'"},
		{"len: got 0 arguments, want 1", "TypeError", "len: got 0 arguments, want 1"},
		{`fail: key "x" not in dict`, "Error", `key "x" not in dict`},
		{"fail: Starlark stack overflow", "Error", "Starlark stack overflow"},
	} {
		typ, msg, _ := builtins.Classify(errors.New(c.msg))
		if typ.Name() != c.typ || msg != c.text {
			t.Errorf("%q: got %s: %s, want %s: %s", c.msg, typ.Name(), msg, c.typ, c.text)
		}
	}
}
