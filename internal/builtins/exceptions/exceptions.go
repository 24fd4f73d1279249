package exceptions

import (
	"errors"
	"fmt"

	"go.starlark.net/starlark"
)

// Type is a Python exception type: a name and a base class. The table's
// types are package variables; compare them by pointer.
type Type struct {
	name    string
	base    *Type
	aliases []string // other names a script may use for it (is_a, Lookup)
}

var (
	_ starlark.Value    = (*Type)(nil)
	_ starlark.Callable = (*Type)(nil)
)

// Construct makes the Starlark value of an exception of type t from the
// arguments a script called t with: ValueError("bad") is an error value
// that fail() raises. The builtins package, where error values live, sets
// it; this package cannot import it.
var Construct func(t *Type, args starlark.Tuple) starlark.Value

// CallInternal implements starlark.Callable: calling a type makes an
// exception of it, as in Python.
func (t *Type) CallInternal(_ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, TypeError.Errorf("%s() takes no keyword arguments", t.name)
	}
	return Construct(t, args), nil
}

// tableSize is a little over the table's size, so that making the table,
// which every process does at start, never grows its map or slice.
const tableSize = 96

// byName indexes the table by names and aliases.
var byName = make(map[string]*Type, tableSize)

// table lists the table's types in declaration order.
var table = make([]*Type, 0, tableSize)

// newType adds a type to the table.
func newType(name string, base *Type, aliases ...string) *Type {
	t := &Type{name: name, base: base, aliases: aliases}
	index(name, t)
	for _, a := range aliases {
		index(a, t)
	}
	table = append(table, t)
	return t
}

// index makes name, a type's name or alias, find t.
func index(name string, t *Type) {
	if byName[name] != nil {
		panic("exceptions: " + name + " declared twice")
	}
	byName[name] = t
}

// Name is the type's name as err.type and tracebacks show it.
func (t *Type) Name() string { return t.name }

// Base is the type's base class, nil for BaseException.
func (t *Type) Base() *Type { return t.base }

// IsA reports whether t is base or derives from it.
func (t *Type) IsA(base *Type) bool {
	for c := t; c != nil; c = c.base {
		if c == base {
			return true
		}
	}
	return false
}

// IsNamed reports whether t, or a class it derives from, has the given name
// or alias: is_a with a name, which also works for types made by Named.
func (t *Type) IsNamed(name string) bool {
	for c := t; c != nil; c = c.base {
		if c.name == name {
			return true
		}
		for _, a := range c.aliases {
			if a == name {
				return true
			}
		}
	}
	return false
}

// New returns an error of type t with the message msg; its args are (msg,).
func (t *Type) New(msg string) *Error { return &Error{Type: t, Msg: msg} }

// Errorf returns an error of type t with a formatted message.
func (t *Type) Errorf(format string, args ...any) *Error {
	return t.New(fmt.Sprintf(format, args...))
}

// WithArgs returns an error of type t whose exc.args differ from (msg,), as
// KeyError's (the key itself) or BufferTooShort's (the message as bytes).
func (t *Type) WithArgs(msg string, args starlark.Tuple) *Error {
	return &Error{Type: t, Msg: msg, Args: args}
}

// String is repr of the class, as Python shows it.
func (t *Type) String() string { return "<class '" + t.name + "'>" }

// Type implements starlark.Value.
func (t *Type) Type() string { return "exception_type" }

// Freeze implements starlark.Value: a type is immutable.
func (t *Type) Freeze() {}

// Truth implements starlark.Value: a type is true.
func (t *Type) Truth() starlark.Bool { return starlark.True }

// Hash hashes by name.
func (t *Type) Hash() (uint32, error) { return starlark.String(t.name).Hash() }

// Lookup returns the table's type of that name or alias.
func Lookup(name string) (*Type, bool) {
	t, ok := byName[name]
	return t, ok
}

// Named returns the table's type of that name or alias, or else a new
// subtype of Exception with that name: the type of an error received from a
// process that knows types this one does not.
func Named(name string) *Type {
	if t, ok := byName[name]; ok {
		return t
	}
	return &Type{name: name, base: Exception}
}

// All returns the table's types, each base before the types deriving from it.
func All() []*Type { return append([]*Type(nil), table...) }

// Error is a Go error carrying a Python exception. Builtins return it so that
// scripts see CPython's exception type and message.
type Error struct {
	Type *Type
	Msg  string         // the message, as str(exc) would show it
	Args starlark.Tuple // exc.args; nil means (Msg,)
	// Traceback is the remote traceback of an error that crossed a process
	// boundary (a Pool task's failure), empty otherwise.
	Traceback string
}

// Error implements the error interface: the message alone, as str(exc).
func (e *Error) Error() string { return e.Msg }

// TypeOf returns the type of the first *Error in err's chain, or nil.
func TypeOf(err error) *Type {
	var e *Error
	if errors.As(err, &e) {
		return e.Type
	}
	return nil
}

// Is reports whether err carries an exception of type t or of a subtype,
// as Python's "except t:" would catch it.
func Is(err error, t *Type) bool {
	typ := TypeOf(err)
	return typ != nil && typ.IsA(t)
}

// ExitError is sys.exit's request to end the process with Code (Python's
// SystemExit). catch does not capture it, as "except Exception" lets
// SystemExit through.
type ExitError struct {
	Code int
	Msg  string // printed to stderr when sys.exit was given a string
}

// Error implements the error interface.
func (e *ExitError) Error() string { return fmt.Sprintf("SystemExit: %d", e.Code) }
