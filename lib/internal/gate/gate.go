// Package gate is the one door through which the lib modules touch the file
// system and start commands, and where the run's permissions are checked
// (internal/builtins/perm): every open() of a script, every directory a
// module reads, every file shutil copies, moves or removes, and every
// command subprocess starts goes through here. A refusal is the
// PermissionError that names what was refused and the flag that grants it.
package gate

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/perm"
	"github.com/mpstar/mpstar/mpcore"
)

// writeFlags are the open flags that write, create or truncate.
const writeFlags = os.O_WRONLY | os.O_RDWR | os.O_CREATE | os.O_TRUNC | os.O_APPEND

// OpenFile opens a file or directory for a module, as os.OpenFile does,
// when the run may read it (or write it, for a flag that writes). It does
// not offer the descriptor to Go's network poller: for a regular file that
// costs an epoll_ctl that fails and four fcntl calls, more than the open
// itself, on every file a script opens.
func OpenFile(thread *starlark.Thread, name string, flag int, mode os.FileMode) (*os.File, error) {
	fd, err := Open(thread, name, flag, mode)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// Open is OpenFile's bare descriptor (close-on-exec), for a caller that
// reads and writes it with system calls of its own: open() spares the
// fcntl and finalizer of an *os.File on every file a script opens.
func Open(thread *starlark.Thread, name string, flag int, mode os.FileMode) (int, error) {
	check := perm.Read
	if flag&writeFlags != 0 {
		check = perm.Write
	}
	if err := check(thread, name); err != nil {
		return -1, err
	}
	for {
		fd, err := syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(mode.Perm()))
		switch {
		case err == nil:
			return fd, nil
		case err != syscall.EINTR:
			return -1, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

// Stat is os.Stat, when the run may read name.
func Stat(thread *starlark.Thread, name string) (os.FileInfo, error) {
	if err := perm.Read(thread, name); err != nil {
		return nil, err
	}
	return os.Stat(name)
}

// Lstat is os.Lstat, when the run may read name.
func Lstat(thread *starlark.Thread, name string) (os.FileInfo, error) {
	if err := perm.Read(thread, name); err != nil {
		return nil, err
	}
	return os.Lstat(name)
}

// Readable refuses unless the run may read every path (a tree a module
// is about to read).
func Readable(thread *starlark.Thread, paths ...string) error {
	for _, p := range paths {
		if err := perm.Read(thread, p); err != nil {
			return err
		}
	}
	return nil
}

// Writable refuses unless the run may write every path (what a module is
// about to create, move or remove, with everything beneath it).
func Writable(thread *starlark.Thread, paths ...string) error {
	for _, p := range paths {
		if err := perm.Write(thread, p); err != nil {
			return err
		}
	}
	return nil
}

// Start starts a command for a module, as cmd.Start does, when the run
// may run its program (by the name it was given or the file it resolved
// to).
func Start(thread *starlark.Thread, cmd *exec.Cmd) error {
	if err := perm.Run(thread, cmd.Args[0], cmd.Path); err != nil {
		return err
	}
	mpcore.BeforeProgram()
	return cmd.Start()
}

// ReadDir lists a directory, sorted by name, when the run may read it.
func ReadDir(thread *starlark.Thread, name string) ([]os.DirEntry, error) {
	f, err := OpenFile(thread, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}
