package builtins

// The interpreter's own failures as Python's exceptions. go.starlark.net
// reports them as plain errors with its own wording; scripts see the type
// (and, where the wording maps, the message) CPython gives for the same
// mistake, so that "except KeyError:" ports to err.is_a("KeyError").

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/pyquote"
)

// evalError maps one of the interpreter's messages to a Python exception:
// pattern matches the message (after any "name: " prefix of the builtin
// that failed), and make builds the exception from the submatches, the
// whole message first.
type evalError struct {
	pattern *regexp.Regexp
	make    func(m []string) *exceptions.Error
}

// keep returns a maker that keeps the interpreter's message under typ.
func keep(typ *exceptions.Type) func([]string) *exceptions.Error {
	return func(m []string) *exceptions.Error { return typ.New(m[0]) }
}

// fixed returns a maker of typ with a fixed message.
func fixed(typ *exceptions.Type, msg string) func([]string) *exceptions.Error {
	return func([]string) *exceptions.Error { return typ.New(msg) }
}

// evalErrors returns the interpreter's messages, most specific first. The
// patterns are compiled on the first error, not at start-up: every child
// process pays for package initialisation.
var evalErrors = sync.OnceValue(func() []evalError {
	return []evalError{
		// A predeclared name without a value: a global that a fork child's
		// function or a REPL function uses but that was never assigned (such
		// names resolve leniently, so that the failure comes at the use, as in
		// Python), or one the fork parent could not send.
		{regexp.MustCompile(`^internal error: predeclared variable (\S+) is uninitialized$`), func(m []string) *exceptions.Error {
			if u, ok := unavailable.Load(m[1]); ok {
				return u.(*Unavailable).err()
			}
			return exceptions.NameError.Errorf("name '%s' is not defined", m[1])
		}},
		{regexp.MustCompile(`^key (.+) not in dict$`), func(m []string) *exceptions.Error { return shownKeyError(m[1]) }},
		{regexp.MustCompile(`^pop: missing key$`), keep(exceptions.KeyError)},
		{regexp.MustCompile(`^pop: index -?\d+ out of range: empty list$`), fixed(exceptions.IndexError, "pop from empty list")},
		{regexp.MustCompile(`^pop: index -?\d+ out of range`), fixed(exceptions.IndexError, "pop index out of range")},
		{regexp.MustCompile(`^(?:(list|tuple|string|bytes|range) )?index -?\d+ out of range`), func(m []string) *exceptions.Error {
			kind := m[1]
			if kind == "" {
				kind = "list"
			}
			if kind == "bytes" {
				return exceptions.IndexError.New("index out of range")
			}
			return exceptions.IndexError.Errorf("%s index out of range", kind)
		}},
		{regexp.MustCompile(`^floored division by zero$`), fixed(exceptions.ZeroDivisionError, "integer division or modulo by zero")},
		{regexp.MustCompile(`^floating-point division by zero$`), fixed(exceptions.ZeroDivisionError, "division by zero")},
		{regexp.MustCompile(`^integer modulo by zero$`), fixed(exceptions.ZeroDivisionError, "integer modulo by zero")},
		{regexp.MustCompile(`^floating-point modulo by zero$`), fixed(exceptions.ZeroDivisionError, "float modulo")},
		{regexp.MustCompile(`division by zero|modulo by zero`), keep(exceptions.ZeroDivisionError)},
		{regexp.MustCompile(`^int: invalid literal with base (\d+): (.*)$`), func(m []string) *exceptions.Error {
			return exceptions.ValueError.Errorf("invalid literal for int() with base %s: %s", m[1], pyquote.Str(m[2]))
		}},
		{regexp.MustCompile(`^int: base must be an integer >= 2 && <= 36$`), fixed(exceptions.ValueError, "int() base must be >= 2 and <= 36, or 0")},
		{regexp.MustCompile(`^(?:float: )?invalid float literal: (.*)$`), func(m []string) *exceptions.Error {
			return exceptions.ValueError.Errorf("could not convert string to float: %s", pyquote.Str(m[1]))
		}},
		{regexp.MustCompile(`^unknown binary op: (\S+) in (\S+)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("argument of type '%s' is not iterable", pyType(m[2]))
		}},
		{regexp.MustCompile(`^unknown binary op: string \+ (\S+)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf(`can only concatenate str (not "%s") to str`, pyType(m[1]))
		}},
		{regexp.MustCompile(`^unknown binary op: (string|list|tuple|bytes) \* (\S+)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("can't multiply sequence by non-int of type '%s'", pyType(m[2]))
		}},
		{regexp.MustCompile(`^unknown binary op: (\S+) (\S+) (\S+)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", m[2], pyType(m[1]), pyType(m[3]))
		}},
		{regexp.MustCompile(`^unknown unary op: (\S+) (\S+)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("bad operand type for unary %s: '%s'", m[1], pyType(m[2]))
		}},
		{regexp.MustCompile(`^(\S+) (<|<=|>|>=) (\S+) not implemented$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("'%s' not supported between instances of '%s' and '%s'", m[2], pyType(m[1]), pyType(m[3]))
		}},
		{regexp.MustCompile(`^(\S+) has no \.(\w+) field or method`), func(m []string) *exceptions.Error {
			return exceptions.AttributeError.Errorf("'%s' object has no attribute '%s'", pyType(m[1]), m[2])
		}},
		{regexp.MustCompile(`^invalid call of non-function \((\S+)\)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("'%s' object is not callable", pyType(m[1]))
		}},
		{regexp.MustCompile(`^unhashable type: (\S+)$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("unhashable type: '%s'", pyType(m[1]))
		}},
		{regexp.MustCompile(`^(\S+) value is not iterable$|^got (\S+), want iterable$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("'%s' object is not iterable", pyType(m[1]+m[2]))
		}},
		{regexp.MustCompile(`^dictionary update sequence element #(\d+) is not iterable`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("cannot convert dictionary update sequence element #%s to a sequence", m[1])
		}},
		{regexp.MustCompile(`^too many values to unpack \(got \d+, want (\d+)\)$`), func(m []string) *exceptions.Error {
			return exceptions.ValueError.Errorf("too many values to unpack (expected %s)", m[1])
		}},
		{regexp.MustCompile(`^too few values to unpack \(got (\d+), want (\d+)\)$`), func(m []string) *exceptions.Error {
			return exceptions.ValueError.Errorf("not enough values to unpack (expected %s, got %s)", m[2], m[1])
		}},
		{regexp.MustCompile(`^too (many|few) values to unpack`), keep(exceptions.ValueError)},
		{regexp.MustCompile(`^value not in list$`), keep(exceptions.ValueError)},
		{regexp.MustCompile(`^element not found$`), fixed(exceptions.ValueError, "list.remove(x): x not in list")},
		{regexp.MustCompile(`^substring not found$`), fixed(exceptions.ValueError, "substring not found")},
		{regexp.MustCompile(`^chr: Unicode code point`), fixed(exceptions.ValueError, "chr() arg not in range(0x110000)")},
		{regexp.MustCompile(`^ord: string encodes (\d+) Unicode code points, want 1$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("ord() expected a character, but string of length %s found", m[1])
		}},
		{regexp.MustCompile(`^(list|tuple|string) index: got (\S+), want int$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("%s indices must be integers or slices, not %s", pyType(m[1]), pyType(m[2]))
		}},
		{regexp.MustCompile(`^value of type (\S+) has no len$`), func(m []string) *exceptions.Error {
			return exceptions.TypeError.Errorf("object of type '%s' has no len()", pyType(m[1]))
		}},
		{regexp.MustCompile(`^negative shift count`), fixed(exceptions.ValueError, "negative shift count")},
		{regexp.MustCompile(`^zero is not a valid slice step$`), fixed(exceptions.ValueError, "slice step cannot be zero")},
		{regexp.MustCompile(`^step argument must not be zero$`), fixed(exceptions.ValueError, "range() arg 3 must not be zero")},
		{regexp.MustCompile(`^got \d+ arguments?, want|^unexpected keyword argument|^missing argument|^got multiple values for|^does not accept keyword arguments|^unexpected keyword arguments|^got (\S+), want|^for parameter|^(list|tuple|string) index: got|^string encodes|^missing \d+ required`), keep(exceptions.TypeError)},
	}
})

// builtinPrefix is the "name: " a failing builtin puts before its message
// (starlark's nameErr), which the patterns do not include.
var builtinPrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w.]+: `) })

// interpreterError returns the Python exception for an interpreter error
// message, or nil if it has none (a plain fail(), which stays Error).
func interpreterError(msg string) *exceptions.Error {
	if strings.HasPrefix(msg, "fail: ") {
		return nil // the script's own words, whatever they say
	}
	if e := matchEvalError(msg, msg); e != nil {
		return e
	}
	return matchEvalError(builtinPrefix().ReplaceAllString(msg, ""), msg)
}

// matchEvalError returns the exception of the first pattern that matches
// text, or nil; msg is the whole message, which keep keeps.
func matchEvalError(text, msg string) *exceptions.Error {
	for _, e := range evalErrors() {
		if m := e.pattern.FindStringSubmatch(text); m != nil {
			m[0] = msg
			return e.make(m)
		}
	}
	return nil
}

// shownKeyError is Python's KeyError for a key the interpreter shows as shown:
// str(exc) is repr(key), and exc.args is (key,).
func shownKeyError(shown string) *exceptions.Error {
	if s, err := strconv.Unquote(shown); err == nil && strings.HasPrefix(shown, `"`) {
		return exceptions.KeyError.WithArgs(pyquote.Str(s), starlark.Tuple{starlark.String(s)})
	}
	if n, err := strconv.ParseInt(shown, 10, 64); err == nil {
		return exceptions.KeyError.WithArgs(shown, starlark.Tuple{starlark.MakeInt64(n)})
	}
	return exceptions.KeyError.New(shown)
}

// pyType is the Python name of a Starlark type name: str for string, and
// the class name alone for mpstar's types (Process for
// multiprocessing.Process), as type(x).__name__ shows it.
func pyType(starlarkType string) string {
	if starlarkType == "string" {
		return "str"
	}
	return starlarkType[strings.LastIndexByte(starlarkType, '.')+1:]
}
