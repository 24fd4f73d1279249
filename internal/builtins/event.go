package builtins

// multiprocessing.Event (CPython: synchronize.py Event).

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// Event is multiprocessing.Event.
type Event struct {
	value.Object
	e *shm.Event
}

var _ Shareable = (*Event)(nil)

// NewEvent implements Event()
func NewEvent(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	e, err := shm.NewEvent(shm.DefaultHeap())
	if err != nil {
		return nil, exceptions.OSError.Errorf("cannot create an event: %v", err)
	}
	return &Event{e: e}, nil
}

// Type implements starlark.Value.
func (e *Event) Type() string { return "multiprocessing.Event" }

// Hash hashes by identity.
func (e *Event) Hash() (uint32, error) { return value.IdentityHash(e), nil }

// String is CPython's repr (3.11+): the object's address and its state.
func (e *Event) String() string {
	state := "unset"
	if e.e.IsSet() {
		state = "set"
	}
	return fmt.Sprintf("<Event at %p %s>", e, state)
}

var eventMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"clear":  starlark.NewBuiltin("clear", eventClear),
		"is_set": starlark.NewBuiltin("is_set", eventIsSet),
		"set":    starlark.NewBuiltin("set", eventSet),
		"wait":   starlark.NewBuiltin("wait", Blocking(eventWait)),
	}
})

// Attr implements starlark.HasAttrs.
func (e *Event) Attr(name string) (starlark.Value, error) { return value.Attr(eventMethods, e, name) }

// AttrNames implements starlark.HasAttrs.
func (e *Event) AttrNames() []string { return value.AttrNames(eventMethods) }

// ShareKind implements Shareable.
func (e *Event) ShareKind() string { return "event" }

// Share implements Shareable.
func (e *Event) Share(sc *ShareContext) ([]byte, error) {
	return appendBlock(nil, sc, e.e.Block(), "Event")
}

func decodeEvent(uc *UnshareContext, p []byte) (starlark.Value, error) {
	b, _, err := readBlock(uc, p)
	if err != nil {
		return nil, err
	}
	e, err := shm.EventAt(b)
	if err != nil {
		return nil, exceptions.OSError.Errorf("%v", err)
	}
	return &Event{e: e}, nil
}

func eventSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Event).e.Set()
	return starlark.None, nil
}

func eventClear(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Event).e.Clear()
	return starlark.None, nil
}

func eventIsSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(b.Receiver().(*Event).e.IsSet()), nil
}

// def wait(timeout=None): whether the flag is set on return.
func eventWait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	ok := b.Receiver().(*Event).e.Wait(d)
	return starlark.Bool(ok), blocked(ok, nil)
}
