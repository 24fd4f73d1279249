package builtins

// multiprocessing.Barrier (CPython: synchronize.py Barrier, after
// threading.Barrier).

import (
	"encoding/binary"
	"fmt"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// Barrier is multiprocessing.Barrier.
type Barrier struct {
	value.Object
	b       *shm.Barrier
	action  starlark.Value // None or a callable run by the last arrival
	timeout time.Duration  // default for wait(); < 0 = none
}

var _ Shareable = (*Barrier)(nil)

// NewBarrier implements Barrier(parties, action=None, timeout=None)
func NewBarrier(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var parties int
	var action starlark.Value = starlark.None
	var timeout value.Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "parties", &parties, "action?", &action, "timeout?", &timeout); err != nil {
		return nil, err
	}
	if parties < 1 {
		return nil, exceptions.ValueError.New("parties must be > 0")
	}
	sb, err := shm.NewBarrier(shm.DefaultHeap(), parties)
	if err != nil {
		return nil, exceptions.OSError.Errorf("cannot create a barrier: %v", err)
	}
	sb.OnDeadOwner(RuntimeOf(thread).deadOwnerFunc())
	return &Barrier{b: sb, action: action, timeout: timeout.Duration()}, nil
}

// Type implements starlark.Value.
func (br *Barrier) Type() string { return "multiprocessing.Barrier" }

// Hash hashes by identity.
func (br *Barrier) Hash() (uint32, error) { return value.IdentityHash(br), nil }

// String is a repr in threading.Barrier's shape.
func (br *Barrier) String() string {
	if br.b.Broken() {
		return "<multiprocessing.Barrier: broken>"
	}
	return fmt.Sprintf("<multiprocessing.Barrier: waiters=%d/%d>", br.b.NWaiting(), br.b.Parties())
}

var barrierMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"wait":  starlark.NewBuiltin("wait", Blocking(barrierWait)),
		"abort": starlark.NewBuiltin("abort", barrierAbort),
		"reset": starlark.NewBuiltin("reset", barrierReset),
	}
})

// Attr implements starlark.HasAttrs: the methods and parties, n_waiting,
// broken.
func (br *Barrier) Attr(name string) (starlark.Value, error) {
	switch name {
	case "parties":
		return starlark.MakeInt(br.b.Parties()), nil
	case "n_waiting":
		return starlark.MakeInt(br.b.NWaiting()), nil
	case "broken":
		return starlark.Bool(br.b.Broken()), nil
	}
	return value.Attr(barrierMethods, br, name)
}

// AttrNames implements starlark.HasAttrs.
func (br *Barrier) AttrNames() []string {
	return value.AttrNames(barrierMethods, "broken", "n_waiting", "parties")
}

// ShareKind implements Shareable.
func (br *Barrier) ShareKind() string { return "barrier" }

// Share implements Shareable: the block, the default timeout, and the
// action, which crosses by name like any function.
func (br *Barrier) Share(sc *ShareContext) ([]byte, error) {
	p, err := appendBlock(nil, sc, br.b.Block(), "Barrier")
	if err != nil {
		return nil, err
	}
	p = binary.BigEndian.AppendUint64(p, uint64(br.timeout))
	return AppendEncode(p, br.action, sc)
}

func decodeBarrier(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, rest, err := readBlock(uc, p)
	if err != nil {
		return nil, err
	}
	if len(rest) < 8 || uc.Decode == nil {
		return nil, exceptions.OSError.New("bad barrier handle")
	}
	timeout := time.Duration(binary.BigEndian.Uint64(rest))
	action, err := uc.Decode(rest[8:])
	if err != nil {
		return nil, err
	}
	sb, err := shm.BarrierAt(b)
	if err != nil {
		return nil, exceptions.OSError.Errorf("%v", err)
	}
	sb.OnDeadOwner(deadOwnerReport(uc.Warn))
	return &Barrier{b: sb, action: action, timeout: timeout}, nil
}

// def wait(timeout=None): the arrival index, 0..parties-1.
func barrierWait(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	br := b.Receiver().(*Barrier)
	d, err := value.TimeoutArgs(b, args, kwargs, br.timeout)
	if err != nil {
		return nil, err
	}
	var action func() error
	if br.action != starlark.None {
		action = func() error {
			_, err := starlark.Call(thread, br.action, nil, nil)
			return err
		}
	}
	i, err := br.b.Wait(d, action)
	if err != nil {
		return nil, shmErr(err)
	}
	return starlark.MakeInt(i), nil
}

func barrierAbort(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Barrier).b.Abort()
	return starlark.None, nil
}

func barrierReset(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Barrier).b.Reset()
	return starlark.None, nil
}
