package startest

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Case is a snippet and what it must print, or the error it must fail with
// (a substring of the message, with the error's type name when it has one).
type Case struct {
	Src, Want, Err string
}

// Run executes each case (in the current directory) with the modules predeclared and checks its
// printed output, one print per line, or its error.
func Run(t *testing.T, cases []Case, modules ...*starlarkstruct.Module) {
	t.Helper()
	predeclared := starlark.StringDict{"struct": starlark.NewBuiltin("struct", starlarkstruct.Make)}
	for _, m := range modules {
		predeclared[m.Name] = m
	}
	for _, c := range cases {
		out, err := Exec(t, "", c.Src, predeclared)
		switch {
		case c.Err != "" && err == nil:
			t.Errorf("%s\nsucceeded, want error %q", c.Src, c.Err)
		case c.Err != "" && !strings.Contains(errorText(err), c.Err):
			t.Errorf("%s\nfailed with %q, want %q", c.Src, errorText(err), c.Err)
		case c.Err == "" && err != nil:
			t.Errorf("%s\nfailed: %v", c.Src, err)
		case c.Err == "" && out != c.Want+"\n":
			t.Errorf("%s\nprinted:\n%s\nwant:\n%s", c.Src, out, c.Want)
		}
	}
}

// errorText is an error's message, prefixed with its Python type if it
// has one.
func errorText(err error) string {
	if t := exceptions.TypeOf(err); t != nil {
		return t.Name() + ": " + err.Error()
	}
	return err.Error()
}
