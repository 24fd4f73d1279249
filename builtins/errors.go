package builtins

// The error value and Python's exception hierarchy (SPEC §3). Starlark has no
// exceptions; builtins fail with a *PyError, catch turns any failure into an
// *ErrorValue, and the top level prints "Type: message" as Python does.

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// PyError is a Go error carrying a Python exception type. Builtins return it
// so that scripts see CPython's exception type and message.
type PyError struct {
	Type string         // Python type name, e.g. "ValueError", "queue.Empty"
	Msg  string         // the message, as str(exc) would show it
	Args starlark.Tuple // exc.args; nil means (Msg,)
	// Traceback is the remote traceback for errors that crossed a process
	// boundary (a Pool task's failure), empty otherwise.
	Traceback string
}

// Error implements the error interface.
func (e *PyError) Error() string { return e.Msg }

// pyErr builds a *PyError with a formatted message.
func pyErr(typ, format string, args ...any) *PyError {
	return &PyError{Type: typ, Msg: fmt.Sprintf(format, args...)}
}

// parents maps each exception type to its base class, mirroring Python's
// hierarchy for the types mpstar raises.
var parents = map[string]string{
	"Exception":                    "BaseException",
	"SystemExit":                   "BaseException",
	"KeyboardInterrupt":            "BaseException",
	"Error":                        "Exception",
	"ProcessError":                 "Exception",
	"BufferTooShort":               "ProcessError",
	"AuthenticationError":          "ProcessError",
	"TimeoutError":                 "ProcessError",
	"WorkerLostError":              "ProcessError",
	"OSError":                      "Exception",
	"ConnectionError":              "OSError",
	"BrokenPipeError":              "ConnectionError",
	"ConnectionResetError":         "ConnectionError",
	"ConnectionRefusedError":       "ConnectionError",
	"FileNotFoundError":            "OSError",
	"EOFError":                     "Exception",
	"ValueError":                   "Exception",
	"TypeError":                    "Exception",
	"AssertionError":               "Exception",
	"RuntimeError":                 "Exception",
	"NotImplementedError":          "RuntimeError",
	"LookupError":                  "Exception",
	"KeyError":                     "LookupError",
	"IndexError":                   "LookupError",
	"AttributeError":               "Exception",
	"ZeroDivisionError":            "ArithmeticError",
	"OverflowError":                "ArithmeticError",
	"ArithmeticError":              "Exception",
	"queue.Empty":                  "Exception",
	"queue.Full":                   "Exception",
	"BrokenBarrierError":           "RuntimeError",
	"threading.BrokenBarrierError": "RuntimeError",
	"RemoteError":                  "Exception",
}

// aliases are names a script may pass to is_a for the same type.
var aliases = map[string]string{
	"multiprocessing.ProcessError":        "ProcessError",
	"multiprocessing.BufferTooShort":      "BufferTooShort",
	"multiprocessing.AuthenticationError": "AuthenticationError",
	"multiprocessing.TimeoutError":        "TimeoutError",
	"Empty":                               "queue.Empty",
	"Full":                                "queue.Full",
	"threading.BrokenBarrierError":        "BrokenBarrierError",
}

// isSubtype reports whether typ is base or derives from it.
func isSubtype(typ, base string) bool {
	if a, ok := aliases[base]; ok {
		base = a
	}
	if a, ok := aliases[typ]; ok {
		typ = a
	}
	for t := typ; t != ""; t = parents[t] {
		if t == base {
			return true
		}
	}
	// Unknown types are Exceptions, so is_a("Exception") holds for them.
	_, known := parents[typ]
	return !known && (base == "Exception" || base == "BaseException")
}

// ErrorValue is the Starlark value catch returns for a failure (SPEC §3).
type ErrorValue struct {
	runtimeObject
	typ       string
	msg       string
	args      starlark.Tuple
	traceback string
}

var (
	_ starlark.HasAttrs = (*ErrorValue)(nil)
	_ starlark.Value    = (*ErrorValue)(nil)
)

// NewErrorValue returns the error value for the given fields; args nil means
// (msg,).
func NewErrorValue(typ, msg string, args starlark.Tuple, traceback string) *ErrorValue {
	if args == nil {
		args = starlark.Tuple{starlark.String(msg)}
	}
	return &ErrorValue{typ: typ, msg: msg, args: args, traceback: traceback}
}

// ErrorFromGo converts a Go error, typically from starlark.Call, into the
// error value a script sees.
func ErrorFromGo(err error) *ErrorValue {
	var tb string
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		tb = FormatTraceback(ee)
	}
	typ, msg, args := Classify(err)
	if pe := (*PyError)(nil); errors.As(err, &pe) && pe.Traceback != "" {
		tb = pe.Traceback + tb
	}
	return NewErrorValue(typ, msg, args, tb)
}

// Classify returns the Python type, message and args of any Go error.
func Classify(err error) (typ, msg string, args starlark.Tuple) {
	var pe *PyError
	if errors.As(err, &pe) {
		return pe.Type, pe.Msg, pe.Args
	}
	// A plain Starlark failure: the message without the traceback an
	// EvalError adds, and without fail()'s "fail: " prefix.
	msg = err.Error()
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		msg = ee.Msg
		if inner := errors.Unwrap(ee); inner != nil {
			msg = inner.Error()
		}
	}
	return "Error", strings.TrimPrefix(msg, "fail: "), nil
}

// AsGoError turns an error value back into a Go error carrying its type, so
// that re-raising it (from with_, or a remote failure) keeps type and
// traceback.
func (e *ErrorValue) AsGoError() error {
	return &PyError{Type: e.typ, Msg: e.msg, Args: e.args, Traceback: e.traceback}
}

// Type returns the Starlark type name.
func (e *ErrorValue) Type() string { return "error" }

// String returns "Type: message", as Python's traceback last line, or just
// the type when the message is empty (EOFError).
func (e *ErrorValue) String() string {
	if e.msg == "" {
		return e.typ
	}
	return e.typ + ": " + e.msg
}

// Hash hashes by identity-free content so errors can be set members.
func (e *ErrorValue) Hash() (uint32, error) {
	return starlark.String(e.String()).Hash()
}

// ErrType is the Python type name.
func (e *ErrorValue) ErrType() string { return e.typ }

// Message is the error message.
func (e *ErrorValue) Message() string { return e.msg }

// ErrArgs is exc.args.
func (e *ErrorValue) ErrArgs() starlark.Tuple { return e.args }

// Traceback is the formatted traceback, remote part first.
func (e *ErrorValue) Traceback() string { return e.traceback }

var errorMethods = map[string]*starlark.Builtin{
	"is_a": starlark.NewBuiltin("is_a", errorIsA),
}

// Attr implements starlark.HasAttrs.
func (e *ErrorValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "type":
		return starlark.String(e.typ), nil
	case "message":
		return starlark.String(e.msg), nil
	case "args":
		return e.args, nil
	case "traceback":
		return starlark.String(e.traceback), nil
	}
	if b, ok := errorMethods[name]; ok {
		return b.BindReceiver(e), nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (e *ErrorValue) AttrNames() []string {
	return methodNames(errorMethods, "args", "message", "traceback", "type")
}

// def is_a(type_name): whether the error is of that type or a subtype.
func errorIsA(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var class starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &class); err != nil {
		return nil, err
	}
	var name string
	switch c := class.(type) {
	case starlark.String:
		name = string(c)
	case *ExcClass:
		name = c.name
	default:
		return nil, pyErr("TypeError", "%s: want an exception class or its name, not %s", b.Name(), class.Type())
	}
	return starlark.Bool(isSubtype(b.Receiver().(*ErrorValue).typ, name)), nil
}

// isCatchable reports whether catch may capture err: SystemExit and
// cancellation (KeyboardInterrupt) pass through, as "except Exception" in
// Python lets them.
func isCatchable(err error) bool {
	var ex *ExitError
	return !errors.As(err, &ex)
}

// def catch(f, *args, **kwargs): returns (f(*args, **kwargs), None) or
// (None, error).
func catch(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: missing argument for f", b.Name())
	}
	v, err := starlark.Call(thread, args[0], args[1:], kwargs)
	if err != nil {
		if !isCatchable(err) {
			return nil, err
		}
		return starlark.Tuple{starlark.None, ErrorFromGo(err)}, nil
	}
	return starlark.Tuple{v, starlark.None}, nil
}

// ExitError is sys.exit's request to end the process with Code. It is not
// catchable, like Python's SystemExit under "except Exception".
type ExitError struct {
	Code int
	Msg  string // printed to stderr when sys.exit was given a string
}

// Error implements the error interface.
func (e *ExitError) Error() string { return fmt.Sprintf("SystemExit: %d", e.Code) }

// FormatTraceback renders a Starlark call stack in Python's shape, without
// the final "Type: message" line.
func FormatTraceback(ee *starlark.EvalError) string {
	var b strings.Builder
	b.WriteString("Traceback (most recent call last):\n")
	for _, fr := range ee.CallStack {
		if fr.Pos.Filename() == "<builtin>" {
			continue
		}
		name := fr.Name
		if name == "<toplevel>" {
			name = "<module>"
		}
		fmt.Fprintf(&b, "  File \"%s\", line %d, in %s\n", fr.Pos.Filename(), fr.Pos.Line, name)
	}
	return b.String()
}

// isA reports whether the error is of type base or a subtype.
func (e *ErrorValue) isA(base string) bool { return isSubtype(e.typ, base) }
