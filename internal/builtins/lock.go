package builtins

// multiprocessing.Lock and RLock (CPython: synchronize.py Lock, RLock).

import (
	"fmt"
	"os"
	"sync/atomic"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// Lock is multiprocessing.Lock, or RLock when recursive.
type Lock struct {
	value.Object
	m *shm.Mutex
}

var (
	_ Shareable      = (*Lock)(nil)
	_ ContextManager = (*Lock)(nil)
)

func newLockBuiltin(recursive bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
			return nil, err
		}
		return newLock(RuntimeOf(thread), recursive)
	}
}

// newLock makes a Lock (or RLock) of rt, which reports a takeover from a
// dead holder on rt's stderr.
func newLock(rt *Runtime, recursive bool) (*Lock, error) {
	m, err := shm.NewMutex(shm.DefaultHeap(), recursive)
	if err != nil {
		return nil, exceptions.OSError.Errorf("cannot create a lock: %v", err)
	}
	m.OnDeadOwner(rt.deadOwnerFunc())
	return &Lock{m: m}, nil
}

func (l *Lock) kind() string {
	if l.m.Recursive() {
		return "RLock"
	}
	return "Lock"
}

// Type implements starlark.Value.
func (l *Lock) Type() string { return "multiprocessing." + l.kind() }

// Hash hashes by identity.
func (l *Lock) Hash() (uint32, error) { return value.IdentityHash(l), nil }

// String is CPython's repr: <Lock(owner=MainProcess)>, <RLock(None, 0)>.
func (l *Lock) String() string {
	owner := "None"
	if pid := l.m.OwnerPID(); pid == os.Getpid() {
		owner = currentProcessName()
	} else if pid != 0 {
		owner = "SomeOtherProcess"
	}
	if l.m.Recursive() {
		return fmt.Sprintf("<RLock(%s, %d)>", owner, l.m.Count())
	}
	return fmt.Sprintf("<Lock(owner=%s)>", owner)
}

// childSelf is this process's Process when it is a launched child (set by
// NewChildRuntime), for reprs that have no thread at hand. It is per OS
// process, not per run, because a launched child runs exactly one child
// runtime (interp.ChildMain); any other runtime in a process is a main one.
var childSelf atomic.Pointer[Process]

// currentProcessName is CPython's current_process().name, as a lock's repr
// shows its owner.
func currentProcessName() string {
	if p := childSelf.Load(); p != nil {
		return p.name
	}
	return "MainProcess"
}

var lockMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"acquire": starlark.NewBuiltin("acquire", lockAcquire),
		"release": starlark.NewBuiltin("release", lockRelease),
		"locked":  starlark.NewBuiltin("locked", lockLocked),
	}
})

// Attr implements starlark.HasAttrs.
func (l *Lock) Attr(name string) (starlark.Value, error) { return value.Attr(lockMethods, l, name) }

// AttrNames implements starlark.HasAttrs.
func (l *Lock) AttrNames() []string { return value.AttrNames(lockMethods) }

// Enter acquires the lock, as `with lock:`.
func (l *Lock) Enter(*starlark.Thread) error {
	ok, err := l.m.Acquire(true, -1)
	return blocked(ok, shmErr(err))
}

// Exit releases the lock.
func (l *Lock) Exit(*starlark.Thread, bool) error { return shmErr(l.m.Release()) }

// ShareKind implements Shareable.
func (l *Lock) ShareKind() string { return "lock" }

// Share implements Shareable: the lock's block and whether it is an RLock.
func (l *Lock) Share(sc *ShareContext) ([]byte, error) {
	p, err := appendBlock(nil, sc, l.m.Block(), l.kind())
	if err != nil {
		return nil, err
	}
	return append(p, boolByte(l.m.Recursive())), nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func decodeLock(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, rest, err := readBlock(uc, p)
	if err != nil {
		return nil, err
	}
	if len(rest) != 1 {
		return nil, exceptions.OSError.New("bad lock handle")
	}
	m, err := shm.MutexAt(b, rest[0] == 1)
	if err != nil {
		return nil, exceptions.OSError.Errorf("%v", err)
	}
	m.OnDeadOwner(deadOwnerReport(uc.Warn))
	return &Lock{m: m}, nil
}

// lockAcquire takes a free lock at once; only an acquire that may wait
// goes through Blocking, which readies the thread to be stopped and runs
// the callbacks due: there is nothing to stop in an uncontended acquire,
// and it is the one a loop makes most often.
func lockAcquire(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 && len(kwargs) == 0 {
		if ok, _ := b.Receiver().(*Lock).m.Acquire(false, 0); ok {
			return starlark.True, nil
		}
	}
	return lockAcquireBlocking(thread, b, args, kwargs)
}

var lockAcquireBlocking = Blocking(func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return b.Receiver().(*Lock).acquire(b, args, kwargs)
})

// acquire is acquire(block=True, timeout=None) on l for the builtin b.
func (l *Lock) acquire(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	block, t, err := value.BlockArgs(b.Name(), args, kwargs)
	if err != nil {
		return nil, err
	}
	ok, err := l.m.Acquire(block, t)
	if err := blocked(ok, shmErr(err)); err != nil {
		return nil, err
	}
	return starlark.Bool(ok), nil
}

func lockRelease(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	if err := b.Receiver().(*Lock).m.Release(); err != nil {
		return nil, shmErr(err)
	}
	return starlark.None, nil
}

func lockLocked(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(b.Receiver().(*Lock).m.Locked()), nil
}
