package scripttest

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/starlarktest"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Options say what the chunks of a package's files run with.
type Options struct {
	// Env returns the predeclared names and thread of one chunk, made
	// afresh for each; nil (or nil results) gives no names beyond the
	// runner's own, and a plain thread.
	Env func(t *testing.T) (starlark.StringDict, *starlark.Thread)
	// ErrorText is an error as the tests see it, for pyerr and the
	// ### markers; nil is ErrorText.
	ErrorText func(error) string
}

// FileOptions are the dialect of the test files: mpstar's.
var FileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// ErrorText is the default text of an error: "Type: message" for a Python
// exception, "Error: message" for another error (without the name of the
// builtin that failed).
func ErrorText(err error) string {
	var pe *exceptions.Error
	if errors.As(err, &pe) {
		return pe.Type.Name() + ": " + pe.Msg
	}
	if cause := errors.Unwrap(err); cause != nil {
		err = cause
	}
	return "Error: " + err.Error()
}

// Run runs every chunk of every testdata file matching pattern (such as
// "*.star"), each file as a subtest named for it.
func Run(t *testing.T, pattern string, opts Options) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files testdata/%s (%v)", pattern, err)
	}
	if opts.ErrorText == nil {
		opts.ErrorText = ErrorText
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runFile(t, file, opts) })
	}
}

// runFile runs each chunk of file.
func runFile(t *testing.T, file string, opts Options) {
	chunks, err := readChunks(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		c.run(t, opts)
	}
}

// A chunk is one module of a test file: its source, padded with blank
// lines so that its line numbers are the file's, and the errors it must
// fail with, by line.
type chunk struct {
	file     string
	src      string
	wantErrs map[int]*regexp.Regexp
}

// marker is an expected error: ### and a Go string literal.
var marker = regexp.MustCompile(`###\s*(".*")\s*$`)

// readChunks splits file at its "---" lines.
func readChunks(file string) ([]chunk, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var chunks []chunk
	line := 1
	for _, text := range strings.Split(string(data), "\n---\n") {
		c := chunk{file: file, src: strings.Repeat("\n", line-1) + text, wantErrs: map[int]*regexp.Regexp{}}
		for _, l := range strings.Split(text, "\n") {
			if m := marker.FindStringSubmatch(l); m != nil {
				pattern, err := strconv.Unquote(m[1])
				if err != nil {
					return nil, fmt.Errorf("%s:%d: not a quoted regexp: %s", file, line, m[1])
				}
				if c.wantErrs[line], err = regexp.Compile(pattern); err != nil {
					return nil, fmt.Errorf("%s:%d: %v", file, line, err)
				}
			}
			line++
		}
		line++ // the "---"
		chunks = append(chunks, c)
	}
	return chunks, nil
}

// run executes the chunk in a fresh module made by opts.Env.
func (c *chunk) run(t *testing.T, opts Options) {
	t.Helper()
	var predeclared starlark.StringDict
	var thread *starlark.Thread
	if opts.Env != nil {
		predeclared, thread = opts.Env(t)
	}
	if predeclared == nil {
		predeclared = starlark.StringDict{}
	}
	if thread == nil {
		thread = &starlark.Thread{Name: c.file}
	}
	if err := addRunnerNames(predeclared, opts.ErrorText); err != nil {
		t.Fatal(err)
	}
	c.exec(t, thread, predeclared, opts.ErrorText)
}

// reporter is where a chunk's failures go: a *testing.T.
type reporter interface {
	Helper()
	Error(args ...any)
	Errorf(format string, args ...any)
}

// exec executes the chunk and reports to r its failed assertions, the
// errors it was not meant to fail with, and those it did not fail with.
func (c *chunk) exec(r reporter, thread *starlark.Thread, predeclared starlark.StringDict, errorText func(error) string) {
	r.Helper()
	starlarktest.SetReporter(thread, r)
	_, err := starlark.ExecFileOptions(FileOptions, thread, c.file, c.src, predeclared)
	if err != nil {
		line := errorLine(err, c.file)
		want, ok := c.wantErrs[line]
		switch {
		case !ok:
			r.Errorf("%s:%d: unexpected error: %s", c.file, line, backtrace(err))
		case !want.MatchString(errorText(err)):
			r.Errorf("%s:%d: error %q does not match %q", c.file, line, errorText(err), want)
		}
		delete(c.wantErrs, line)
	}
	for line, want := range c.wantErrs {
		r.Errorf("%s:%d: no error, want one matching %q", c.file, line, want)
	}
}

// Names returns an Options.Env that predeclares names (the same values in
// every chunk) and runs each chunk on a plain thread.
func Names(names starlark.StringDict) func(*testing.T) (starlark.StringDict, *starlark.Thread) {
	return func(*testing.T) (starlark.StringDict, *starlark.Thread) { return maps.Clone(names), nil }
}

// addRunnerNames predeclares assert, freeze, pyerr and matches, and struct
// unless the chunk has its own.
func addRunnerNames(predeclared starlark.StringDict, errorText func(error) string) error {
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		return err
	}
	predeclared["assert"] = assert["assert"]
	predeclared["freeze"] = assert["freeze"]
	predeclared["pyerr"] = starlark.NewBuiltin("pyerr", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("pyerr: want a function to call")
		}
		if _, err := starlark.Call(thread, args[0], args[1:], kwargs); err != nil {
			return starlark.String(errorText(err)), nil
		}
		return starlark.None, nil
	})
	predeclared["matches"] = starlark.NewBuiltin("matches", matches)
	if _, ok := predeclared["struct"]; !ok {
		predeclared["struct"] = starlark.NewBuiltin("struct", starlarkstruct.Make)
	}
	return nil
}

// matches(pattern, s) reports whether the regular expression pattern
// matches s (anywhere: anchor it with ^ and $ to match all of s).
func matches(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &pattern, &s); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("matches: %v", err)
	}
	return starlark.Bool(re.MatchString(s)), nil
}

// errorLine is the line of file at which err happened (its innermost
// frame in file), 0 if none.
func errorLine(err error, file string) int {
	var evalErr *starlark.EvalError
	var syntaxErr syntax.Error
	var resolveErrs resolve.ErrorList
	switch {
	case errors.As(err, &evalErr):
		for i := range evalErr.CallStack {
			if pos := evalErr.CallStack.At(i).Pos; pos.Filename() == file {
				return int(pos.Line)
			}
		}
	case errors.As(err, &syntaxErr):
		return int(syntaxErr.Pos.Line)
	case errors.As(err, &resolveErrs) && len(resolveErrs) > 0:
		return int(resolveErrs[0].Pos.Line)
	}
	return 0
}

// backtrace is err with its Starlark call stack, if it has one.
func backtrace(err error) string {
	var evalErr *starlark.EvalError
	if errors.As(err, &evalErr) {
		return evalErr.Backtrace()
	}
	return err.Error()
}
