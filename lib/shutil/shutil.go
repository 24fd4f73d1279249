// Package shutil is Python's shutil module for mpstar scripts: copying,
// moving and removing files and trees, and finding programs.
//
// Module shutil is the shutil module.
//
//	copyfile(src, dst)          # contents only; returns dst
//	copy(src, dst)              # contents and permission bits; dst may be a directory
//	copy2(src, dst)             # as copy, and the modification time
//	copytree(src, dst, symlinks=False, dirs_exist_ok=False)
//	rmtree(path, ignore_errors=False)
//	move(src, dst)              # rename, or copy and remove across file systems
//	which(cmd, path=None)       # the program's path, or None
//	Error, SameFileError        # exception types
//
// Errors are CPython's: FileNotFoundError for a missing source,
// FileExistsError when copytree's destination exists, IsADirectoryError,
// NotADirectoryError, shutil.SameFileError ("'a' and 'a' are the same
// file") and shutil.Error ("Destination path 'd/a' already exists").
//
// Differences from CPython: copytree stops at the first file it cannot copy
// (CPython copies the rest and raises shutil.Error with the list) and takes
// no ignore or copy_function; rmtree takes no onerror.
package shutil

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
	"github.com/mpstar/mpstar/lib/ospath"
)

// Module is the shutil module.
var Module = value.NewModule("shutil", func() starlark.StringDict {
	return starlark.StringDict{
		"copyfile": copier("copyfile", copyFile),
		"copy":     copier("copy", copyMode),
		"copy2":    copier("copy2", copyStat),
		"copytree": starlark.NewBuiltin("shutil.copytree", copytree),
		"rmtree":   starlark.NewBuiltin("shutil.rmtree", rmtree),
		"move":     starlark.NewBuiltin("shutil.move", move),
		"which":    starlark.NewBuiltin("shutil.which", which),

		"Error":         exceptions.ShutilError,
		"SameFileError": exceptions.SameFileError,
	}
})

// copier is copyfile, copy or copy2: copy and copy2 accept a directory as
// dst and copy into it.
func copier(name string, fn func(thread *starlark.Thread, src, dst string) error) *starlark.Builtin {
	return starlark.NewBuiltin("shutil."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var src, dst oserror.Path
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "src", &src, "dst", &dst); err != nil {
			return nil, err
		}
		to := string(dst)
		if name != "copyfile" && isDir(to) {
			to = ospath.Join(to, ospath.Basename(string(src)))
		}
		return starlark.String(to), fn(thread, string(src), to)
	})
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// copyFile copies src's contents to dst, as shutil.copyfile.
func copyFile(thread *starlark.Thread, src, dst string) error {
	if a, err := os.Stat(src); err == nil {
		if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
			return exceptions.SameFileError.WithArgs(pyrepr.Repr(starlark.String(src))+" and "+pyrepr.Repr(starlark.String(dst))+" are the same file", nil)
		}
	}
	in, err := openRegular(thread, src, os.O_RDONLY)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := openRegular(thread, dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return oserror.From(err)
	}
	if err := out.Close(); err != nil {
		return oserror.From(err)
	}
	return nil
}

// openRegular opens a file that must not be a directory.
func openRegular(thread *starlark.Thread, name string, flag int) (*os.File, error) {
	f, err := gate.OpenFile(thread, name, flag, 0o666)
	if err != nil {
		return nil, oserror.From(err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, oserror.Errno(syscall.EISDIR, name)
	}
	return f, nil
}

// copyMode is shutil.copy: contents and permission bits.
func copyMode(thread *starlark.Thread, src, dst string) error {
	if err := copyFile(thread, src, dst); err != nil {
		return err
	}
	return copyPerm(src, dst)
}

// copyPerm gives dst the permission bits of src, as shutil.copymode.
func copyPerm(src, dst string) error {
	fi, err := os.Stat(src)
	if err == nil {
		err = os.Chmod(dst, fi.Mode().Perm())
	}
	if err != nil {
		return oserror.From(err)
	}
	return nil
}

// copyStat is shutil.copy2: as copy, and the access and modification times.
func copyStat(thread *starlark.Thread, src, dst string) error {
	if err := copyMode(thread, src, dst); err != nil {
		return err
	}
	fi, err := os.Stat(src)
	if err == nil {
		mtime := fi.ModTime()
		atime := mtime
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			atime = time.Unix(st.Atim.Sec, st.Atim.Nsec)
		}
		err = os.Chtimes(dst, atime, mtime)
	}
	if err != nil {
		return oserror.From(err)
	}
	return nil
}

// def copytree(src, dst, symlinks=False, dirs_exist_ok=False)
func copytree(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var src, dst oserror.Path
	var symlinks, existOK bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "src", &src, "dst", &dst,
		"symlinks?", &symlinks, "dirs_exist_ok?", &existOK); err != nil {
		return nil, err
	}
	return starlark.String(dst), copyTree(thread, string(src), string(dst), symlinks, existOK)
}

// copyTree copies the directory src to dst with copy2, recreating symbolic
// links as links when symlinks is set (else copying what they point to).
func copyTree(thread *starlark.Thread, src, dst string, symlinks, existOK bool) error {
	entries, err := gate.ReadDir(thread, src)
	if err != nil {
		return oserror.From(err)
	}
	if err := gate.Writable(thread, dst); err != nil {
		return err
	}
	switch err := os.Mkdir(dst, 0o777); {
	case err == nil, existOK && errors.Is(err, os.ErrExist) && isDir(dst):
	case errors.Is(err, os.ErrNotExist): // as os.makedirs, make the parents
		if err := os.MkdirAll(dst, 0o777); err != nil {
			return oserror.From(err)
		}
	default:
		return oserror.From(err)
	}
	for _, e := range entries {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if err := copyEntry(thread, from, to, e, symlinks, existOK); err != nil {
			return err
		}
	}
	return copyPerm(src, dst)
}

// copyEntry copies one entry of a tree.
func copyEntry(thread *starlark.Thread, from, to string, e os.DirEntry, symlinks, existOK bool) error {
	if e.Type()&os.ModeSymlink != 0 && symlinks {
		target, err := os.Readlink(from)
		if err == nil {
			err = os.Symlink(target, to)
		}
		if err != nil {
			return oserror.From(err)
		}
		return nil
	}
	if isDir(from) {
		return copyTree(thread, from, to, symlinks, existOK)
	}
	return copyStat(thread, from, to)
}

// def rmtree(path, ignore_errors=False)
func rmtree(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p oserror.Path
	var ignore bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &p, "ignore_errors?", &ignore); err != nil {
		return nil, err
	}
	err := removeTree(thread, string(p))
	if ignore {
		err = nil
	}
	return starlark.None, err
}

func removeTree(thread *starlark.Thread, p string) error {
	if err := gate.Writable(thread, p); err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	switch {
	case err != nil:
		return oserror.From(err)
	case fi.Mode()&os.ModeSymlink != 0:
		return exceptions.OSError.New("Cannot call rmtree on a symbolic link")
	case !fi.IsDir():
		return oserror.Errno(syscall.ENOTDIR, p)
	}
	if err := os.RemoveAll(p); err != nil {
		return oserror.From(err)
	}
	return nil
}

// def move(src, dst): into dst when it is a directory; returns where src
// went.
func move(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var src, dst oserror.Path
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "src", &src, "dst", &dst); err != nil {
		return nil, err
	}
	to := string(dst)
	if err := gate.Writable(thread, string(src), to); err != nil {
		return nil, err
	}
	if isDir(to) {
		to = ospath.Join(to, ospath.Basename(strings.TrimRight(string(src), "/")))
		if _, err := os.Lstat(to); err == nil {
			return nil, exceptions.ShutilError.Errorf("Destination path '%s' already exists", to)
		}
	}
	if os.Rename(string(src), to) == nil {
		return starlark.String(to), nil
	}
	// Across file systems (or failing anyway): copy, then remove.
	var err error
	if fi, lerr := os.Lstat(string(src)); lerr == nil && fi.IsDir() {
		if err = copyTree(thread, string(src), to, true, false); err == nil {
			err = removeTree(thread, string(src))
		}
	} else if err = copyStat(thread, string(src), to); err == nil {
		if rerr := os.Remove(string(src)); rerr != nil {
			err = oserror.From(rerr)
		}
	}
	if err != nil {
		return nil, err
	}
	return starlark.String(to), nil
}

// def which(cmd, path=None): the first executable named cmd on PATH (or on
// path), or None.
func which(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var cmd oserror.Path
	var path starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "cmd", &cmd, "mode?", new(int), "path?", &path); err != nil {
		return nil, err
	}
	if path == starlark.None {
		found, err := exec.LookPath(string(cmd))
		if err != nil {
			return starlark.None, nil
		}
		return starlark.String(found), nil
	}
	dirs, err := oserror.PathOf(path)
	if err != nil {
		return nil, err
	}
	for _, dir := range filepath.SplitList(dirs) {
		p := ospath.Join(dir, string(cmd))
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return starlark.String(p), nil
		}
	}
	return starlark.None, nil
}
