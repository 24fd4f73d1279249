// Package gate is the one door through which the lib modules open files and
// start commands. Every open() of a script, every directory a module reads
// and every file shutil copies goes through OpenFile, and every command
// subprocess starts goes through Start, so a permission check on either is
// one line here.
package gate

import (
	"os"
	"os/exec"
	"sort"
	"syscall"
)

// OpenFile opens a file or directory for a module, as os.OpenFile does but
// without offering the descriptor to Go's network poller: for a regular
// file that costs an epoll_ctl that fails and four fcntl calls, more than
// the open itself, on every file a script opens.
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		switch {
		case err == nil:
			return os.NewFile(uintptr(fd), name), nil
		case err != syscall.EINTR:
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

// Start starts a command for a module, as cmd.Start does.
func Start(cmd *exec.Cmd) error { return cmd.Start() }

// ReadDir lists a directory opened through OpenFile, sorted by name.
func ReadDir(name string) ([]os.DirEntry, error) {
	f, err := OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, err
}
