// Package ospath is Python's os.path (posixpath) for mpstar scripts.
//
// Module ospath is the os.path module: os.path.join(...) in a script, and
// load("os.path", "join").
//
//	join(path, *paths)       split(path)        splitext(path)
//	basename(path)           dirname(path)      normpath(path)
//	abspath(path)            relpath(path, start=".")
//	exists(path)             lexists(path)      isfile(path)
//	isdir(path)              islink(path)       isabs(path)
//	getsize(path)            getmtime(path)     expanduser(path)
//	sep = "/"
//
// The string functions are CPython's posixpath, character for character
// (join("a", "/b") is "/b"; splitext(".bashrc") is (".bashrc", "")). The
// exists/is* tests are False for a path that cannot be examined; getsize and
// getmtime raise FileNotFoundError and the other OSErrors, as CPython does.
package ospath

import (
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
)

// Module is the os.path module.
var Module = value.NewModule("os.path", func() starlark.StringDict {
	return starlark.StringDict{
		"join": starlark.NewBuiltin("os.path.join", join),
		"split": stringFunc("split", func(p string) starlark.Value {
			h, t := Split(p)
			return starlark.Tuple{starlark.String(h), starlark.String(t)}
		}),
		"splitext": stringFunc("splitext", func(p string) starlark.Value {
			r, e := Splitext(p)
			return starlark.Tuple{starlark.String(r), starlark.String(e)}
		}),
		"basename":   stringFunc("basename", func(p string) starlark.Value { return starlark.String(Basename(p)) }),
		"dirname":    stringFunc("dirname", func(p string) starlark.Value { h, _ := Split(p); return starlark.String(h) }),
		"normpath":   stringFunc("normpath", func(p string) starlark.Value { return starlark.String(Normpath(p)) }),
		"isabs":      stringFunc("isabs", func(p string) starlark.Value { return starlark.Bool(strings.HasPrefix(p, "/")) }),
		"expanduser": stringFunc("expanduser", func(p string) starlark.Value { return starlark.String(expanduser(p)) }),
		"abspath":    starlark.NewBuiltin("os.path.abspath", abspath),
		"relpath":    starlark.NewBuiltin("os.path.relpath", relpath),
		"exists":     statTest("exists", gate.Stat, func(os.FileInfo) bool { return true }),
		"lexists":    statTest("lexists", gate.Lstat, func(os.FileInfo) bool { return true }),
		"isfile":     statTest("isfile", gate.Stat, func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }),
		"isdir":      statTest("isdir", gate.Stat, func(fi os.FileInfo) bool { return fi.IsDir() }),
		"islink":     statTest("islink", gate.Lstat, func(fi os.FileInfo) bool { return fi.Mode()&os.ModeSymlink != 0 }),
		"getsize":    statValue("getsize", func(fi os.FileInfo) starlark.Value { return starlark.MakeInt64(fi.Size()) }),
		"getmtime":   statValue("getmtime", func(fi os.FileInfo) starlark.Value { return starlark.Float(float64(fi.ModTime().UnixNano()) / 1e9) }),
		"sep":        starlark.String("/"),
	}
})

// Join is os.path.join: each absolute part starts the path again.
func Join(parts ...string) string {
	path := parts[0]
	for _, p := range parts[1:] {
		switch {
		case strings.HasPrefix(p, "/"):
			path = p
		case path == "" || strings.HasSuffix(path, "/"):
			path += p
		default:
			path += "/" + p
		}
	}
	return path
}

// Split is os.path.split: the head (without trailing slashes unless it is
// all slashes) and the last component.
func Split(p string) (head, tail string) {
	i := strings.LastIndexByte(p, '/') + 1
	head, tail = p[:i], p[i:]
	if trimmed := strings.TrimRight(head, "/"); trimmed != "" {
		head = trimmed
	}
	return head, tail
}

// Basename is os.path.basename.
func Basename(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// Splitext is os.path.splitext: the extension starts at the last dot of the
// last component, unless every dot before it leads the name (".bashrc").
func Splitext(p string) (root, ext string) {
	sep := strings.LastIndexByte(p, '/')
	dot := strings.LastIndexByte(p, '.')
	if dot > sep && strings.TrimLeft(p[sep+1:dot], ".") != "" {
		return p[:dot], p[dot:]
	}
	return p, ""
}

// Normpath is os.path.normpath: Go's Clean, except that POSIX keeps a
// leading "//" (and only two).
func Normpath(p string) string {
	clean := filepath.Clean(p)
	if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
		return "/" + clean
	}
	return clean
}

// Abspath is os.path.abspath.
func Abspath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		wd, err := os.Getwd()
		if err != nil {
			return "", oserror.From(err)
		}
		p = Join(wd, p)
	}
	return Normpath(p), nil
}

func expanduser(p string) string {
	home, ok := os.LookupEnv("HOME")
	if !ok || (p != "~" && !strings.HasPrefix(p, "~/")) {
		return p
	}
	if home = strings.TrimRight(home, "/"); home == "" {
		home = "/"
	}
	return home + p[1:]
}

// def join(path, *paths)
func join(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, exceptions.TypeError.Errorf("%s() takes no keyword arguments", b.Name())
	}
	if len(args) == 0 {
		return nil, exceptions.TypeError.Errorf("%s() missing 1 required positional argument: 'a'", b.Name())
	}
	parts := make([]string, len(args))
	for i, a := range args {
		s, err := oserror.PathOf(a)
		if err != nil {
			return nil, err
		}
		parts[i] = s
	}
	return starlark.String(Join(parts...)), nil
}

// stringFunc is a function of one path that only manipulates the string.
func stringFunc(name string, fn func(string) starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin("os.path."+name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var p oserror.Path
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
			return nil, err
		}
		return fn(string(p)), nil
	})
}

// statTest is an exists/is* test: False whenever the path cannot be
// examined, but a path outside the run's grants is refused.
func statTest(name string, stat func(*starlark.Thread, string) (os.FileInfo, error), test func(os.FileInfo) bool) *starlark.Builtin {
	return starlark.NewBuiltin("os.path."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var p oserror.Path
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
			return nil, err
		}
		fi, err := stat(thread, string(p))
		if _, refused := err.(*exceptions.Error); refused {
			return nil, err
		}
		return starlark.Bool(err == nil && test(fi)), nil
	})
}

// statValue is a stat field of a path that must exist.
func statValue(name string, field func(os.FileInfo) starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin("os.path."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var p oserror.Path
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
			return nil, err
		}
		fi, err := gate.Stat(thread, string(p))
		if err != nil {
			return nil, oserror.From(err)
		}
		return field(fi), nil
	})
}

// def abspath(path)
func abspath(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p oserror.Path
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
		return nil, err
	}
	abs, err := Abspath(string(p))
	return starlark.String(abs), err
}

// def relpath(path, start=".")
func relpath(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p oserror.Path
	start := oserror.Path(".")
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &p, "start?", &start); err != nil {
		return nil, err
	}
	if p == "" {
		return nil, exceptions.ValueError.New("no path specified")
	}
	absPath, err := Abspath(string(p))
	if err != nil {
		return nil, err
	}
	absStart, err := Abspath(string(start))
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(absStart, absPath)
	if err != nil {
		return nil, oserror.From(err)
	}
	return starlark.String(rel), nil
}
