package os

// The os module's files and directories: listdir, scandir, walk, stat,
// mkdir/makedirs, remove, rmdir, rename/replace, getcwd.

import (
	"os"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/ospath"
)

// fileMembers are the os module's file and directory functions:
//
//	def listdir(path=".")                 # names, sorted
//	def scandir(path=".")                 # DirEntry list: name, path, is_file(), is_dir(), is_symlink(), stat()
//	def walk(top, topdown=True, followlinks=False)  # (dirpath, dirnames, filenames) for each directory
//	def stat(path), lstat(path)           # st_size, st_mtime, st_mode, ...
//	def mkdir(path, mode=0o777)
//	def makedirs(name, mode=0o777, exist_ok=False)
//	def remove(path), unlink(path), rmdir(path)
//	def rename(src, dst), replace(src, dst)
//	def getcwd()
//	sep = "/"
func fileMembers() starlark.StringDict {
	return starlark.StringDict{
		"listdir":  starlark.NewBuiltin("os.listdir", listdir),
		"scandir":  starlark.NewBuiltin("os.scandir", scandir),
		"walk":     starlark.NewBuiltin("os.walk", walk),
		"stat":     starlark.NewBuiltin("os.stat", statFunc(gate.Stat)),
		"lstat":    starlark.NewBuiltin("os.lstat", statFunc(gate.Lstat)),
		"mkdir":    starlark.NewBuiltin("os.mkdir", mkdir),
		"makedirs": starlark.NewBuiltin("os.makedirs", makedirs),
		"remove":   pathCall("remove", syscall.Unlink),
		"unlink":   pathCall("unlink", syscall.Unlink),
		"rmdir":    pathCall("rmdir", syscall.Rmdir),
		"rename":   starlark.NewBuiltin("os.rename", rename),
		"replace":  starlark.NewBuiltin("os.replace", rename),
		"getcwd":   starlark.NewBuiltin("os.getcwd", getcwd),
		"sep":      starlark.String("/"),
	}
}

// pathArg unpacks an optional path argument, "." by default.
func pathArg(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (string, error) {
	p := oserror.Path(".")
	err := starlark.UnpackArgs(b.Name(), args, kwargs, "path?", &p)
	return string(p), err
}

// def listdir(path=".")
func listdir(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return dirEntries(thread, b, args, kwargs, func(_ string, e os.DirEntry) starlark.Value { return starlark.String(e.Name()) })
}

// def scandir(path="."): the entries of a directory, as a list (CPython
// returns an iterator; a list iterates the same way).
func scandir(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return dirEntries(thread, b, args, kwargs, func(dir string, e os.DirEntry) starlark.Value {
		return &DirEntry{entry: e, path: ospath.Join(dir, e.Name())}
	})
}

// dirEntries lists the directory a listdir or scandir call names, one
// value per entry, made by item from the directory and the entry.
func dirEntries(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, item func(dir string, e os.DirEntry) starlark.Value) (starlark.Value, error) {
	p, err := pathArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	entries, err := gate.ReadDir(thread, p)
	if err != nil {
		return nil, oserror.From(err)
	}
	out := make([]starlark.Value, len(entries))
	for i, e := range entries {
		out[i] = item(p, e)
	}
	return starlark.NewList(out), nil
}

// def stat(path) and lstat(path)
func statFunc(stat func(*starlark.Thread, string) (os.FileInfo, error)) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var p oserror.Path
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
			return nil, err
		}
		fi, err := stat(thread, string(p))
		if err != nil {
			return nil, oserror.From(err)
		}
		return statResult(fi), nil
	}
}

// def mkdir(path, mode=0o777)
func mkdir(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p oserror.Path
	mode := 0o777
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &p, "mode?", &mode); err != nil {
		return nil, err
	}
	if err := gate.Writable(thread, string(p)); err != nil {
		return nil, err
	}
	if err := os.Mkdir(string(p), os.FileMode(mode)); err != nil {
		return nil, oserror.From(err)
	}
	return starlark.None, nil
}

// def makedirs(name, mode=0o777, exist_ok=False)
func makedirs(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p oserror.Path
	mode := 0o777
	var existOK bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &p, "mode?", &mode, "exist_ok?", &existOK); err != nil {
		return nil, err
	}
	if err := gate.Writable(thread, string(p)); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(string(p)); err == nil && (!existOK || !fi.IsDir()) {
		return nil, oserror.Errno(syscall.EEXIST, string(p))
	}
	if err := os.MkdirAll(string(p), os.FileMode(mode)); err != nil {
		return nil, oserror.From(err)
	}
	return starlark.None, nil
}

// pathCall is a function of one path that makes one system call, so the
// errno is the kernel's (os.Remove would remove a directory too).
func pathCall(name string, call func(string) error) *starlark.Builtin {
	return starlark.NewBuiltin("os."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var p oserror.Path
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
			return nil, err
		}
		if err := gate.Writable(thread, string(p)); err != nil {
			return nil, err
		}
		if err := call(string(p)); err != nil {
			return nil, oserror.From(&os.PathError{Op: name, Path: string(p), Err: err})
		}
		return starlark.None, nil
	})
}

// def rename(src, dst) and replace(src, dst): one rename(2), which replaces
// an existing file dst on POSIX.
func rename(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var src, dst oserror.Path
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "src", &src, "dst", &dst); err != nil {
		return nil, err
	}
	if err := gate.Writable(thread, string(src), string(dst)); err != nil {
		return nil, err
	}
	if err := syscall.Rename(string(src), string(dst)); err != nil {
		return nil, oserror.From(&os.LinkError{Op: "rename", Old: string(src), New: string(dst), Err: err})
	}
	return starlark.None, nil
}

// def getcwd()
func getcwd(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, oserror.From(err)
	}
	return starlark.String(wd), nil
}

// isDir reports whether p is a directory, following symbolic links.
func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
