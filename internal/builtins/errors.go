package builtins

// The error value (docs/scripts.md, "Errors"). Starlark has no exceptions; builtins fail with
// an *exceptions.Error, catch turns any failure into an *ErrorValue, and the
// top level prints "Type: message" as Python does.

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// ErrorValue is the Starlark value catch returns for a failure.
type ErrorValue struct {
	value.Object
	typ       *exceptions.Type
	msg       string
	args      starlark.Tuple
	traceback string
	// task is the index of the first item of the failed task, for the
	// error value an imap for loop yields; nil (None) otherwise.
	task starlark.Value
}

var (
	_ starlark.HasAttrs = (*ErrorValue)(nil)
	_ starlark.Value    = (*ErrorValue)(nil)
)

// NewErrorValue returns the error value for the given fields; args nil means
// (msg,).
func NewErrorValue(typ *exceptions.Type, msg string, args starlark.Tuple, traceback string) *ErrorValue {
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
	if pe := (*exceptions.Error)(nil); errors.As(err, &pe) && pe.Traceback != "" {
		tb = pe.Traceback + tb
	}
	if orig, ok := originalTraceback(err); ok {
		tb = orig
	}
	return NewErrorValue(typ, msg, args, tb)
}

// Classify returns the Python type, message and args of any Go error.
func Classify(err error) (typ *exceptions.Type, msg string, args starlark.Tuple) {
	var pe *exceptions.Error
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
	if msg == stackOverflow {
		return exceptions.RecursionError, "maximum recursion depth exceeded", nil
	}
	if pe := interpreterError(msg); pe != nil {
		return pe.Type, pe.Msg, pe.Args
	}
	return exceptions.StarlarkError, formatHint(strings.TrimPrefix(msg, "fail: ")), nil
}

// formatHint points the failures of Starlark's own % operator and
// str.format, which have no widths, precisions, flags or format specs and
// whose parsers mpstar cannot change, to format(), which has Python's whole
// format-spec mini-language.
func formatHint(msg string) string {
	const specPrefix = "format spec features not supported in replacement fields: "
	if spec, ok := strings.CutPrefix(msg, specPrefix); ok {
		return fmt.Sprintf(`%s (Starlark's str.format takes no format spec: write "{}".format(format(value, %q)))`, msg, spec)
	}
	if rest, ok := strings.CutPrefix(msg, "unknown conversion %"); ok && rest != "" && strings.ContainsRune("-+ #0123456789.*", rune(rest[0])) {
		return msg + ` (Starlark's % operator takes no width, precision or flags: write format(value, "5d") or format(value, ".2f") instead)`
	}
	return msg
}

// stackOverflow is the error of a Starlark call nested too deeply, which
// Python raises as RecursionError.
const stackOverflow = "Starlark stack overflow"

// AsGoError turns an error value back into a Go error carrying its type, so
// that re-raising it (from with_, or a remote failure) keeps type and
// traceback.
func (e *ErrorValue) AsGoError() error {
	return &exceptions.Error{Type: e.typ, Msg: e.msg, Args: e.args, Traceback: e.traceback}
}

// Type returns the Starlark type name.
func (e *ErrorValue) Type() string { return "error" }

// String returns "Type: message", as Python's traceback last line, or just
// the type when the message is empty (EOFError).
func (e *ErrorValue) String() string {
	if e.msg == "" {
		return e.typ.Name()
	}
	return e.typ.Name() + ": " + e.msg
}

// Hash hashes by identity-free content so errors can be set members.
func (e *ErrorValue) Hash() (uint32, error) {
	return starlark.String(e.String()).Hash()
}

// ErrType is the Python type.
func (e *ErrorValue) ErrType() *exceptions.Type { return e.typ }

// Message is the error message.
func (e *ErrorValue) Message() string { return e.msg }

// ErrArgs is exc.args.
func (e *ErrorValue) ErrArgs() starlark.Tuple { return e.args }

// Traceback is the formatted traceback, remote part first.
func (e *ErrorValue) Traceback() string { return e.traceback }

var errorMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"is_a": starlark.NewBuiltin("is_a", errorIsA),
	}
})

// Attr implements starlark.HasAttrs.
func (e *ErrorValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "type":
		return starlark.String(e.typ.Name()), nil
	case "message":
		return starlark.String(e.msg), nil
	case "args":
		return e.args, nil
	case "traceback":
		return starlark.String(e.traceback), nil
	case "task":
		if e.task == nil {
			return starlark.None, nil
		}
		return e.task, nil
	}
	return value.Attr(errorMethods, e, name)
}

// SetTask records which task of an imap the error is the failure of: the
// index of the task's first item (err.task).
func (e *ErrorValue) SetTask(first int) { e.task = starlark.MakeInt(first) }

// AttrNames implements starlark.HasAttrs.
func (e *ErrorValue) AttrNames() []string {
	return value.AttrNames(errorMethods, "args", "message", "task", "traceback", "type")
}

// def is_a(type_name): whether the error is of that type or a subtype.
func errorIsA(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var class starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &class); err != nil {
		return nil, err
	}
	typ := b.Receiver().(*ErrorValue).typ
	switch c := class.(type) {
	case starlark.String:
		return starlark.Bool(typ.IsNamed(string(c))), nil
	case *exceptions.Type:
		return starlark.Bool(typ.IsA(c)), nil
	}
	return nil, exceptions.TypeError.Errorf("%s: want an exception class or its name, not %s", b.Name(), class.Type())
}

// AppendErrorValue appends the encoding of e, without its args if those
// cannot be sent.
func AppendErrorValue(enc *Encoder, dst []byte, e *ErrorValue) []byte {
	out, err := enc.Append(dst, "error", e)
	if err != nil {
		out, _ = enc.Append(dst, "error", NewErrorValue(e.typ, e.msg, nil, e.traceback))
	}
	return out
}

// IsCatchable reports whether catch may capture err: SystemExit and
// cancellation (KeyboardInterrupt) pass through, as "except Exception" in
// Python lets them.
func IsCatchable(err error) bool {
	var ex *exceptions.ExitError
	return !errors.As(err, &ex)
}

// Catch is catch(f, *args, **kwargs): it returns (f(*args, **kwargs), None)
// or (None, error).
func Catch(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: missing argument for f", b.Name())
	}
	v, err := starlark.Call(thread, args[0], args[1:], kwargs)
	if err != nil {
		if !IsCatchable(err) {
			return nil, err
		}
		return starlark.Tuple{starlark.None, ErrorFromGo(err)}, nil
	}
	return starlark.Tuple{v, starlark.None}, nil
}

// FormatTraceback renders a Starlark call stack in Python's shape, without
// the final "Type: message" line.
func FormatTraceback(ee *starlark.EvalError) string {
	var b strings.Builder
	b.WriteString("Traceback (most recent call last):\n")
	var last string
	count := 0
	for _, fr := range ee.CallStack {
		if fr.Pos.Filename() == "<builtin>" {
			continue
		}
		name := fr.Name
		if name == "<toplevel>" {
			name = "<module>"
		}
		line := fmt.Sprintf("  File \"%s\", line %d, in %s\n", fr.Pos.Filename(), fr.Pos.Line, name)
		if line != last {
			writeRepeated(&b, count)
			last, count = line, 0
		}
		if count++; count <= recursiveCutoff {
			b.WriteString(line)
		}
	}
	writeRepeated(&b, count)
	return b.String()
}

// recursiveCutoff is how many times a traceback shows the same frame in a
// row before folding the rest into one line, as Python's traceback does.
const recursiveCutoff = 3

// writeRepeated writes Python's line for the frames folded away when the
// same frame came count times in a row.
func writeRepeated(b *strings.Builder, count int) {
	if n := count - recursiveCutoff; n > 0 {
		s := "s"
		if n == 1 {
			s = ""
		}
		fmt.Fprintf(b, "  [Previous line repeated %d more time%s]\n", n, s)
	}
}
