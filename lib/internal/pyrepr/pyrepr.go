// Package pyrepr renders Starlark values as Python's repr() shows them
// (single-quoted strings, b'...' bytes), for messages and reprs that must
// read as CPython's: "Command '['false']' returned non-zero exit status 1."
package pyrepr

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/pyquote"
)

// Repr is Python's repr of v; values Python has no different spelling for
// keep Starlark's.
func Repr(v starlark.Value) string {
	var sb strings.Builder
	write(&sb, v)
	return sb.String()
}

func write(sb *strings.Builder, v starlark.Value) {
	switch x := v.(type) {
	case starlark.String:
		sb.WriteString(pyquote.Str(string(x)))
	case starlark.Bytes:
		sb.WriteString(pyquote.Bytes([]byte(x)))
	case *starlark.List:
		sequence(sb, "[", "]", x)
	case starlark.Tuple:
		close := ")"
		if x.Len() == 1 {
			close = ",)"
		}
		sequence(sb, "(", close, x)
	default:
		sb.WriteString(v.String())
	}
}

func sequence(sb *strings.Builder, open, close string, seq starlark.Indexable) {
	sb.WriteString(open)
	for i := 0; i < seq.Len(); i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		write(sb, seq.Index(i))
	}
	sb.WriteString(close)
}
