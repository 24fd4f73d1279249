package builtins

// The interpreter's own failures as Python's exceptions. go.starlark.net
// reports them as plain errors with its own wording; scripts see the type
// and message CPython gives for the same mistake.

import (
	"regexp"

	"github.com/mpstar/mpstar/builtins/exceptions"
)

// uninitialized is how the interpreter reports a predeclared name without
// a value: a global that a fork child's function or a REPL function uses
// but that was never assigned (mpstar resolves such names leniently so that
// the failure comes at the use, as in Python).
var uninitialized = regexp.MustCompile(`^internal error: predeclared variable (\S+) is uninitialized$`)

// interpreterError returns the Python exception for an interpreter error
// message, or nil if it has none.
func interpreterError(msg string) *exceptions.Error {
	if m := uninitialized.FindStringSubmatch(msg); m != nil {
		if u, ok := unavailable.Load(m[1]); ok {
			return u.(*Unavailable).err()
		}
		return exceptions.NameError.Errorf("name '%s' is not defined", m[1])
	}
	return nil
}
