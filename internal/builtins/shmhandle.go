package builtins

// Handles of objects that live in shared memory (locks, events, values,
// arrays): they reach a child as (arena id, carried descriptor, offset,
// length), and only through inheritance — process arguments — as in
// CPython, whose SemLock refuses to be pickled anywhere else.

import (
	"encoding/binary"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/shm"
)

const blockHandleSize = 8 + 4 + 8 + 8

// appendBlock appends the handle of b to dst, carrying its arena's
// descriptor in sc. what names the object type for CPython's error.
func appendBlock(dst []byte, sc *ShareContext, b shm.Block, what string) ([]byte, error) {
	if sc == nil || sc.FDs == nil {
		return nil, exceptions.RuntimeError.Errorf("%s objects should only be shared between processes through inheritance", what)
	}
	idx := sc.FDs.Add(b.Arena.FD)
	dst = binary.BigEndian.AppendUint64(dst, b.Arena.ID)
	dst = binary.BigEndian.AppendUint32(dst, uint32(idx))
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Off))
	return binary.BigEndian.AppendUint64(dst, uint64(b.Len)), nil
}

// readBlock attaches the block whose handle starts p and returns the rest
// of p.
func readBlock(uc *UnshareContext, p []byte) (shm.Block, []byte, error) {
	if len(p) < blockHandleSize {
		return shm.Block{}, nil, exceptions.OSError.New("truncated shared-memory handle")
	}
	id := binary.BigEndian.Uint64(p)
	idx := int(binary.BigEndian.Uint32(p[8:]))
	off := binary.BigEndian.Uint64(p[12:])
	n := binary.BigEndian.Uint64(p[20:])
	if idx >= len(uc.FDs) || off > 1<<48 || n > 1<<48 {
		return shm.Block{}, nil, exceptions.OSError.Errorf("bad shared-memory handle: descriptor %d of %d, offset %d, length %d", idx, len(uc.FDs), off, n)
	}
	b, err := shm.AttachBlock(id, uc.FDs[idx], int(off), int(n))
	if err != nil {
		return shm.Block{}, nil, exceptions.OSError.Errorf("%v", err)
	}
	return b, p[blockHandleSize:], nil
}

// deadOwnerReport returns the DeadOwnerFunc that writes shm's warning with
// warn (a run's stderr), or nil (the process's stderr) without one.
func deadOwnerReport(warn func(string)) shm.DeadOwnerFunc {
	if warn == nil {
		return nil
	}
	return func(what string, pid int) { warn(shm.DeadOwnerWarning(what, pid)) }
}

// deadOwnerFunc reports locks and slots that handles made by rt take back
// from dead processes on rt's stderr (nil rt: the process's).
func (rt *Runtime) deadOwnerFunc() shm.DeadOwnerFunc {
	if rt == nil {
		return nil
	}
	return deadOwnerReport(rt.WriteStderr)
}
