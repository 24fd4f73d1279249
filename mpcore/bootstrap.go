package mpcore

// The child side of a launch (CPython: spawn.spawn_main and _main).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxPrepSize bounds the preparation data a child accepts, so a corrupt
// bootstrap pipe cannot make it allocate without limit.
const maxPrepSize = 1 << 30

// Bootstrap is what a child receives from its parent.
type Bootstrap struct {
	Prep *Prep
	FDs  []int // the carried descriptors, in the parent's FDTable order
	sock *os.File
}

// ErrNoWork is ReadBootstrap's error when the parent went away before
// sending any work: a warm forkserver child that was never used. Such a
// child should exit quietly.
var ErrNoWork = errors.New("the parent sent no work")

// IsChild reports whether this process was launched by Launch.
func IsChild() bool { return os.Getenv(ChildEnv) != "" }

// ReadBootstrap waits for the preparation data in a child, as long as the
// parent takes to send it (a warm forkserver child waits for its work). It
// removes ChildEnv from the environment and gives GODEBUG back its
// parent's value (see childEnv); every received descriptor is
// close-on-exec, so the child's own children inherit none of them.
func ReadBootstrap() (*Bootstrap, error) {
	fd, godebug, err := childFD()
	if err != nil {
		return nil, err
	}
	os.Unsetenv(ChildEnv)
	if godebug {
		restoreGODEBUG()
	}
	unix.CloseOnExec(fd)
	var hdr [4]byte
	fds, err := recvWithFDs(fd, hdr[:])
	if err == io.EOF {
		return nil, ErrNoWork
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read preparation data from the parent: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxPrepSize {
		return nil, fmt.Errorf("preparation data of %d bytes exceeds the limit", n)
	}
	msg := make([]byte, n)
	more, err := recvWithFDs(fd, msg)
	fds = append(fds, more...)
	if err != nil {
		return nil, fmt.Errorf("cannot read preparation data from the parent: %w", err)
	}
	prep, err := decodePrep(msg)
	if err != nil {
		return nil, err
	}
	if len(fds) != prep.NumFDs {
		return nil, fmt.Errorf("received %d descriptors, want %d", len(fds), prep.NumFDs)
	}
	return &Bootstrap{Prep: prep, FDs: fds, sock: os.NewFile(uintptr(fd), "mpstar-bootstrap")}, nil
}

// WatchParent calls onDeath (in a new goroutine) when the parent process
// dies before this child finishes: the bootstrap socket reaches end of
// file.
func (b *Bootstrap) WatchParent(onDeath func()) {
	go func() {
		var buf [1]byte
		for {
			if _, err := b.sock.Read(buf[:]); err != nil {
				onDeath()
				return
			}
		}
	}()
}
