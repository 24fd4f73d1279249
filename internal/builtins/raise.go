package builtins

// Raising typed errors (Python's raise): exception types are callable and
// make error values, fail() raises an error value with its type, and
// getattr and hasattr keep an attribute's error type, as Python's do.

import (
	"errors"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/pyquote"
)

func init() { exceptions.Construct = newException }

// newException is what calling an exception type returns: an error value
// with the arguments as exc.args and str(exc) as Python shows it.
func newException(t *exceptions.Type, args starlark.Tuple) starlark.Value {
	var msg string
	switch {
	case len(args) == 1 && t.IsA(exceptions.KeyError):
		msg = excRepr(args[0])
	case len(args) == 1:
		msg = excStr(args[0])
	case len(args) > 1:
		msg = excRepr(args)
	}
	return NewErrorValue(t, msg, append(starlark.Tuple{}, args...), "")
}

// excStr is str(v) in Python for the values exception arguments usually are.
func excStr(v starlark.Value) string {
	if s, ok := v.(starlark.String); ok {
		return string(s)
	}
	return excRepr(v)
}

// excRepr is repr(v) in Python: strings quoted with single quotes, also
// inside tuples.
func excRepr(v starlark.Value) string {
	switch v := v.(type) {
	case starlark.String:
		return pyquote.Str(string(v))
	case starlark.Tuple:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = excRepr(x)
		}
		if len(v) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return v.String()
}

// reraised is an error raised again by fail(err): its traceback is the
// one it was first raised with, as Python's "raise err" shows.
type reraised struct {
	err       *exceptions.Error
	traceback string
}

// Error is the exception's message.
func (r *reraised) Error() string { return r.err.Msg }

// Unwrap gives errors.As the exception.
func (r *reraised) Unwrap() error { return r.err }

// originalTraceback returns the traceback of an error raised again by
// fail(err), if err is one.
func originalTraceback(err error) (string, bool) {
	var r *reraised
	if errors.As(err, &r) {
		return r.traceback, true
	}
	return "", false
}

// Raise is fail(*args, sep=" "): Starlark's fail, and Python's raise for an
// error value (raise err, keeping its type, message and traceback) or an
// exception type (raise ValueError).
func Raise(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		switch v := args[0].(type) {
		case *ErrorValue:
			e := &exceptions.Error{Type: v.typ, Msg: v.msg, Args: v.args}
			if v.traceback == "" {
				return nil, e
			}
			return nil, &reraised{err: e, traceback: v.traceback}
		case *exceptions.Type:
			return nil, v.WithArgs("", starlark.Tuple{})
		}
	}
	return starlark.Universe["fail"].(*starlark.Builtin).CallInternal(thread, args, kwargs)
}

// Getattr is getattr(object, name, default=None), as Python's, an attribute that
// fails with an error other than AttributeError raises it with its type,
// and default replaces only a missing attribute.
func Getattr(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var object, dflt starlark.Value
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &object, &name, &dflt); err != nil {
		return nil, err
	}
	v, err := attribute(object, name)
	if err != nil && dflt != nil && isAttributeError(err) {
		return dflt, nil
	}
	return v, err
}

// Hasattr is hasattr(object, name): whether getattr succeeds; an error other than
// AttributeError is raised, as in Python.
func Hasattr(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var object starlark.Value
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &object, &name); err != nil {
		return nil, err
	}
	_, err := attribute(object, name)
	switch {
	case err == nil:
		return starlark.True, nil
	case isAttributeError(err):
		return starlark.False, nil
	}
	return nil, err
}

// attribute returns object.name, or the error Python's getattr raises.
func attribute(object starlark.Value, name string) (starlark.Value, error) {
	if o, ok := object.(starlark.HasAttrs); ok {
		v, err := o.Attr(name)
		if err != nil || v != nil {
			return v, err
		}
	}
	return nil, exceptions.AttributeError.Errorf("'%s' object has no attribute '%s'", pyType(object.Type()), name)
}

// isAttributeError reports whether err is Python's AttributeError,
// including the interpreter's own "has no .x field or method".
func isAttributeError(err error) bool {
	if t := exceptions.TypeOf(err); t != nil {
		return t.IsA(exceptions.AttributeError)
	}
	e := interpreterError(err.Error())
	return e != nil && e.Type.IsA(exceptions.AttributeError)
}
