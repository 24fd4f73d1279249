package mpcore

// The child side of a launch (CPython: spawn.spawn_main and _main).

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"
	"golang.org/x/sys/unix"
)

// maxPrepSize bounds the preparation data a child accepts, so a corrupt
// bootstrap pipe cannot make it allocate without limit.
const maxPrepSize = 1 << 30

// Bootstrap is what a child receives from its parent.
type Bootstrap struct {
	Prep *Prep
	FDs  []int // the carried descriptors, in the parent's FDTable order
	pipe *os.File
}

// IsChild reports whether this process was launched by Launch.
func IsChild() bool { return os.Getenv(ChildEnv) != "" }

// ReadBootstrap reads the preparation data in a child. It removes ChildEnv
// from the environment and marks every received descriptor close-on-exec,
// so that the child's own children inherit none of them by accident.
func ReadBootstrap() (*Bootstrap, error) {
	fd, err := strconv.Atoi(os.Getenv(ChildEnv))
	if err != nil {
		return nil, fmt.Errorf("bad %s in the environment: %v", ChildEnv, err)
	}
	os.Unsetenv(ChildEnv)
	unix.CloseOnExec(fd)
	pipe := os.NewFile(uintptr(fd), "mpstar-bootstrap")
	var hdr [4]byte
	if _, err := io.ReadFull(pipe, hdr[:]); err != nil {
		return nil, fmt.Errorf("cannot read preparation data from the parent: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxPrepSize {
		return nil, fmt.Errorf("preparation data of %d bytes exceeds the limit", n)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(pipe, msg); err != nil {
		return nil, fmt.Errorf("cannot read preparation data from the parent: %w", err)
	}
	var prep Prep
	if err := msgpack.Unmarshal(msg, &prep); err != nil {
		return nil, fmt.Errorf("cannot decode preparation data: %w", err)
	}
	if prep.Version != prepVersion {
		return nil, fmt.Errorf("preparation data version %d, want %d: parent and child are different mpstar builds", prep.Version, prepVersion)
	}
	b := &Bootstrap{Prep: &prep, pipe: pipe}
	for i := 0; i < prep.NumFDs; i++ {
		cfd := fd + 1 + i
		unix.CloseOnExec(cfd)
		b.FDs = append(b.FDs, cfd)
	}
	return b, nil
}

// WatchParent calls onDeath (in a new goroutine) when the parent process
// dies before this child finishes: the lifeline pipe reaches EOF.
func (b *Bootstrap) WatchParent(onDeath func()) {
	go func() {
		var buf [1]byte
		for {
			if _, err := b.pipe.Read(buf[:]); err != nil {
				onDeath()
				return
			}
		}
	}()
}
