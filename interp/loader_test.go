package interp_test

import (
	"bytes"
	"embed"
	"io/fs"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/interp"
)

//go:embed testdata/embedded
var embedded embed.FS

// A script served from an embed.FS loads a second embedded module, whose
// function its Pool workers run: the workers get the module from the run,
// not from the disk (no file of that name exists where they run). The
// module in turn loads a Go-built module by name.
func TestEmbeddedScriptAndModules(t *testing.T) {
	scripts, err := fs.Sub(embedded, "testdata/embedded")
	if err != nil {
		t.Fatal(err)
	}
	src, err := fs.ReadFile(scripts, "main.star")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	opts := testOptions
	opts.Stdout, opts.Stderr = &stdout, &stderr
	opts.Loader = interp.FSLoader(scripts)
	if err := interp.RunString("main.star", string(src), opts); err != nil {
		t.Fatalf("run: %v\n%s", err, &stderr)
	}
	if got, want := stdout.String(), "[\"A!\", \"B!\", \"C!\"]\n"; got != want {
		t.Errorf("printed %q, want %q\n%s", got, want, &stderr)
	}
}

// geoModule is a Go-built module that scripts load by name.
var geoModule = &starlarkstruct.Module{Name: "geo", Members: starlark.StringDict{"unit": starlark.MakeInt(1)}}
