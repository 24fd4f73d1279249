package scripttest

import (
	"fmt"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// valueError is value_error(msg), which fails with ValueError: msg.
var valueError = starlark.NewBuiltin("value_error", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var msg string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &msg); err != nil {
		return nil, err
	}
	return nil, exceptions.ValueError.New(msg)
})

// TestRunnerPasses runs testdata/runner.star, whose chunks all pass.
func TestRunnerPasses(t *testing.T) {
	Run(t, "runner.star", Options{Env: func(*testing.T) (starlark.StringDict, *starlark.Thread) {
		return starlark.StringDict{"value_error": valueError}, nil
	}})
}

// recorder is a reporter that keeps what it is told.
type recorder struct{ reports []string }

func (r *recorder) Helper()           {}
func (r *recorder) Error(args ...any) { r.reports = append(r.reports, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.reports = append(r.reports, fmt.Sprintf(format, args...))
}

// TestRunnerReportsFailures checks that each chunk of
// testdata/failing.star is reported: a failed assertion, an unexpected
// error, a missing error, an error that does not match, and an error on
// another line than its marker.
func TestRunnerReportsFailures(t *testing.T) {
	chunks, err := readChunks("testdata/failing.star")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1 != 2"},
		{"failing.star:3: unexpected error"},
		{`failing.star:5: no error, want one matching "never"`},
		{`failing.star:7: error "Error: floored division by zero" does not match "modulo"`},
		{"failing.star:10: unexpected error", `failing.star:9: no error, want one matching "division"`},
	}
	if len(chunks) != len(want) {
		t.Fatalf("got %d chunks, want %d", len(chunks), len(want))
	}
	for i, c := range chunks {
		var r recorder
		predeclared := starlark.StringDict{}
		if err := addRunnerNames(predeclared, ErrorText); err != nil {
			t.Fatal(err)
		}
		c.exec(&r, &starlark.Thread{}, predeclared, ErrorText)
		if len(r.reports) != len(want[i]) {
			t.Errorf("chunk %d: got reports %q, want %d", i+1, r.reports, len(want[i]))
			continue
		}
		for j, w := range want[i] {
			if !strings.Contains(r.reports[j], w) {
				t.Errorf("chunk %d: got %q, want it to contain %q", i+1, r.reports[j], w)
			}
		}
	}
}
