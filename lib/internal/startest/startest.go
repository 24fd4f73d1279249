// Package startest runs Starlark snippets for the lib packages' tests that
// need a working directory or checks on the Go side; tests of Starlark
// behaviour alone are testdata/*.star files, run by internal/scripttest.
package startest

import (
	"errors"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/perm"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

var allowAll = sandbox.AllowAll()

var options = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// Exec runs src with the given predeclared names in directory dir (which
// becomes the process's working directory for the call, so tests using it
// must not run in parallel) and returns what it printed.
func Exec(t *testing.T, dir, src string, predeclared starlark.StringDict) (string, error) {
	t.Helper()
	var out strings.Builder
	thread := &starlark.Thread{Print: func(_ *starlark.Thread, msg string) { out.WriteString(msg + "\n") }}
	perm.Attach(thread, &allowAll) // the modules' own behaviour is under test, not the grants
	if dir != "" {
		t.Chdir(dir)
	}
	_, err := starlark.ExecFileOptions(options, thread, "test.star", src, predeclared)
	return out.String(), err
}

// Fails checks that each case, {snippet, exception type, message}, fails
// with that Python exception.
func Fails(t *testing.T, dir string, predeclared starlark.StringDict, cases [][3]string) {
	t.Helper()
	for _, c := range cases {
		src, typ, msg := c[0], c[1], c[2]
		_, err := Exec(t, dir, src, predeclared)
		var pe *exceptions.Error
		if !errors.As(err, &pe) || pe.Type.Name() != typ || pe.Msg != msg {
			t.Errorf("%s: got %v, want %s: %s", src, err, typ, msg)
		}
	}
}
