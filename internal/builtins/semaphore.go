package builtins

// multiprocessing.Semaphore and BoundedSemaphore (CPython: synchronize.py).

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// Semaphore is multiprocessing.Semaphore, or BoundedSemaphore.
type Semaphore struct {
	value.Object
	s *shm.Semaphore
}

var (
	_ Shareable      = (*Semaphore)(nil)
	_ ContextManager = (*Semaphore)(nil)
)

// def Semaphore(value=1) / def BoundedSemaphore(value=1)
func newSemaphoreBuiltin(bounded bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		value := 1
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "value?", &value); err != nil {
			return nil, err
		}
		if value < 0 {
			return nil, exceptions.ValueError.New("semaphore initial value must be >= 0")
		}
		s, err := shm.NewSemaphore(shm.DefaultHeap(), value, bounded)
		if err != nil {
			return nil, exceptions.OSError.Errorf("cannot create a semaphore: %v", err)
		}
		s.OnDeadOwner(RuntimeOf(thread).deadOwnerFunc())
		return &Semaphore{s: s}, nil
	}
}

func (s *Semaphore) kind() string {
	if s.s.Bounded() {
		return "BoundedSemaphore"
	}
	return "Semaphore"
}

// Type implements starlark.Value.
func (s *Semaphore) Type() string { return "multiprocessing." + s.kind() }

// Hash hashes by identity.
func (s *Semaphore) Hash() (uint32, error) { return value.IdentityHash(s), nil }

// String is CPython's repr.
func (s *Semaphore) String() string {
	if s.s.Bounded() {
		return fmt.Sprintf("<BoundedSemaphore(value=%d, maxvalue=%d)>", s.s.Value(), s.s.MaxValue())
	}
	return fmt.Sprintf("<Semaphore(value=%d)>", s.s.Value())
}

var semaphoreMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"acquire":   starlark.NewBuiltin("acquire", Blocking(semaphoreAcquire)),
		"release":   starlark.NewBuiltin("release", semaphoreRelease),
		"get_value": starlark.NewBuiltin("get_value", semaphoreGetValue),
	}
})

// Attr implements starlark.HasAttrs.
func (s *Semaphore) Attr(name string) (starlark.Value, error) {
	return value.Attr(semaphoreMethods, s, name)
}

// AttrNames implements starlark.HasAttrs.
func (s *Semaphore) AttrNames() []string { return value.AttrNames(semaphoreMethods) }

// Enter acquires, as `with sem:`.
func (s *Semaphore) Enter(*starlark.Thread) error {
	return blocked(s.s.Acquire(true, -1), nil)
}

// Exit releases.
func (s *Semaphore) Exit(*starlark.Thread, bool) error { return shmErr(s.s.Release()) }

// ShareKind implements Shareable.
func (s *Semaphore) ShareKind() string { return "semaphore" }

// Share implements Shareable.
func (s *Semaphore) Share(sc *ShareContext) ([]byte, error) {
	return appendBlock(nil, sc, s.s.Block(), s.kind())
}

func decodeSemaphore(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, _, err := readBlock(uc, p)
	if err != nil {
		return nil, err
	}
	s, err := shm.SemaphoreAt(b)
	if err != nil {
		return nil, exceptions.OSError.Errorf("%v", err)
	}
	s.OnDeadOwner(deadOwnerReport(uc.Warn))
	return &Semaphore{s: s}, nil
}

func semaphoreAcquire(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	block, d, err := value.BlockArgs(b.Name(), args, kwargs)
	if err != nil {
		return nil, err
	}
	ok := b.Receiver().(*Semaphore).s.Acquire(block, d)
	return starlark.Bool(ok), blocked(ok, nil)
}

func semaphoreRelease(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, shmErr(b.Receiver().(*Semaphore).s.Release())
}

func semaphoreGetValue(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(b.Receiver().(*Semaphore).s.Value()), nil
}
