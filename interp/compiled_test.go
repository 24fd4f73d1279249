package interp_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/interp"
)

// testOptions are the options of this test binary's children: the example
// host's, plus rewrite(path, text), which replaces a file's contents, and
// TENANT, a value runs give their own (TestRunValuesReachTheRunsChildren),
// and geo, a Go-built module (TestEmbeddedScriptAndModules).
var testOptions = withRewrite(hostOptions)

func withRewrite(opts interp.Options) interp.Options {
	predeclared := starlark.StringDict{"rewrite": starlark.NewBuiltin("rewrite", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var path, text string
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &path, &text); err != nil {
			return nil, err
		}
		return starlark.None, os.WriteFile(path, []byte(text), 0o644)
	}), "TENANT": starlark.String("default"), "geo": geoModule}
	for k, v := range opts.Predeclared {
		predeclared[k] = v
	}
	opts.Predeclared = predeclared
	return opts
}

// A spawned child runs the files the script loads as they are when it
// starts, as CPython's does, even though it is handed the parent's compiled
// programs: a file changed since the parent loaded it is compiled afresh.
func TestSpawnedChildSeesAChangedLoadedFile(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "mod.star")
	if err := os.WriteFile(mod, []byte("VALUE = 'old'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
load("multiprocessing", "Process", "set_start_method")
load("./mod.star", "VALUE")

def show():
    print("child sees", VALUE)

if __name__ == "__main__":
    set_start_method("spawn")
    print("parent sees", VALUE)
    p = Process(target=show)
    p.start()
    p.join()
    rewrite(%q, "VALUE = 'new'\n")
    p = Process(target=show)
    p.start()
    p.join()
`, mod)
	var stdout, stderr bytes.Buffer
	opts := testOptions
	opts.Stdout, opts.Stderr = &stdout, &stderr
	if err := interp.RunString(filepath.Join(dir, "main.star"), src, opts); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	want := "parent sees old\nchild sees old\nchild sees new\n"
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", stdout.String(), want, stderr.String())
	}
}
