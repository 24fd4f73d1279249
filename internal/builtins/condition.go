package builtins

// multiprocessing.Condition (CPython: synchronize.py Condition).

import (
	"fmt"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// Condition is multiprocessing.Condition.
type Condition struct {
	value.Object
	c    *shm.Condition
	lock *Lock
}

var (
	_ Shareable      = (*Condition)(nil)
	_ ContextManager = (*Condition)(nil)
)

// NewCondition implements Condition(lock=None): lock defaults to a new RLock.
func NewCondition(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lockV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "lock?", &lockV); err != nil {
		return nil, err
	}
	var lock *Lock
	switch l := lockV.(type) {
	case starlark.NoneType:
		var err error
		if lock, err = newLock(RuntimeOf(thread), true); err != nil {
			return nil, err
		}
	case *Lock:
		lock = l
	default:
		return nil, exceptions.TypeError.Errorf("%s: lock must be a Lock or RLock, not %s", b.Name(), lockV.Type())
	}
	c, err := shm.NewCondition(shm.DefaultHeap(), lock.m)
	if err != nil {
		return nil, exceptions.OSError.Errorf("cannot create a condition: %v", err)
	}
	return &Condition{c: c, lock: lock}, nil
}

// Type implements starlark.Value.
func (c *Condition) Type() string { return "multiprocessing.Condition" }

// Hash hashes by identity.
func (c *Condition) Hash() (uint32, error) { return value.IdentityHash(c), nil }

// String is CPython's repr: the lock and the number of waiters not yet
// notified.
func (c *Condition) String() string {
	return fmt.Sprintf("<Condition(%s, %d)>", c.lock, c.c.Sleepers())
}

var conditionMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"acquire":    starlark.NewBuiltin("acquire", Blocking(conditionAcquire)),
		"release":    starlark.NewBuiltin("release", conditionRelease),
		"wait":       starlark.NewBuiltin("wait", Blocking(conditionWait)),
		"wait_for":   starlark.NewBuiltin("wait_for", Blocking(conditionWaitFor)),
		"notify":     starlark.NewBuiltin("notify", conditionNotify),
		"notify_all": starlark.NewBuiltin("notify_all", conditionNotifyAll),
	}
})

// Attr implements starlark.HasAttrs.
func (c *Condition) Attr(name string) (starlark.Value, error) {
	return value.Attr(conditionMethods, c, name)
}

// AttrNames implements starlark.HasAttrs.
func (c *Condition) AttrNames() []string { return value.AttrNames(conditionMethods) }

// Enter acquires the condition's lock.
func (c *Condition) Enter(thread *starlark.Thread) error { return c.lock.Enter(thread) }

// Exit releases the condition's lock.
func (c *Condition) Exit(thread *starlark.Thread, failed bool) error {
	return c.lock.Exit(thread, failed)
}

// ShareKind implements Shareable.
func (c *Condition) ShareKind() string { return "condition" }

// Share implements Shareable: the condition's block, then its lock's handle.
func (c *Condition) Share(sc *ShareContext) ([]byte, error) {
	p, err := appendBlock(nil, sc, c.c.Block(), "Condition")
	if err != nil {
		return nil, err
	}
	lp, err := c.lock.Share(sc)
	return append(p, lp...), err
}

func decodeCondition(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, rest, err := readBlock(uc, p)
	if err != nil {
		return nil, err
	}
	lv, err := decodeLock(uc, rest)
	if err != nil {
		return nil, err
	}
	lock := lv.(*Lock)
	c, err := shm.ConditionAt(b, lock.m)
	if err != nil {
		return nil, exceptions.OSError.Errorf("%v", err)
	}
	return &Condition{c: c, lock: lock}, nil
}

func receiverCondition(b *starlark.Builtin) *Condition { return b.Receiver().(*Condition) }

func conditionAcquire(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return receiverCondition(b).lock.acquire(b, args, kwargs)
}

func conditionRelease(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, shmErr(receiverCondition(b).lock.m.Release())
}

// def wait(timeout=None): False if the timeout expired.
func conditionWait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	ok, err := receiverCondition(b).c.Wait(d)
	return starlark.Bool(ok), blocked(ok, shmErr(err))
}

// def wait_for(predicate, timeout=None): waits until predicate() is true,
// returning its last value, as CPython's Condition.wait_for.
func conditionWaitFor(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := receiverCondition(b)
	return WaitFor(thread, b, args, kwargs, func(d time.Duration) error {
		ok, err := c.c.Wait(d)
		return blocked(ok, shmErr(err))
	})
}

// WaitFor is wait_for(predicate, timeout=None) over a condition whose wait
// is given: it calls predicate until it is true or the timeout passes,
// waiting between calls, and returns predicate's last value.
func WaitFor(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, wait func(time.Duration) error) (starlark.Value, error) {
	var predicate starlark.Callable
	var timeout value.Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "predicate", &predicate, "timeout?", &timeout); err != nil {
		return nil, err
	}
	d := timeout.Duration()
	deadline := time.Now().Add(d)
	for {
		result, err := starlark.Call(thread, predicate, nil, nil)
		if err != nil || result.Truth() {
			return result, err
		}
		left := time.Duration(-1)
		if d >= 0 {
			if left = time.Until(deadline); left <= 0 {
				return result, nil
			}
		}
		if err := wait(left); err != nil {
			return nil, err
		}
	}
}

// def notify(n=1)
func conditionNotify(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	return starlark.None, shmErr(receiverCondition(b).c.Notify(n))
}

func conditionNotifyAll(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, shmErr(receiverCondition(b).c.NotifyAll())
}
