// Package pyrepr renders Starlark values as Python's repr() shows them
// (single-quoted strings, b'...' bytes), for messages and reprs that must
// read as CPython's: "Command '['false']' returned non-zero exit status 1."
package pyrepr

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
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
		quoted(sb, "", string(x), false)
	case starlark.Bytes:
		quoted(sb, "b", string(x), true)
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

// quoted writes s in Python's quotes: single unless s holds a single quote
// and no double one. Bytes escape every non-ASCII byte; strings keep
// printable characters as they are.
func quoted(sb *strings.Builder, prefix, s string, bytes bool) {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	sb.WriteString(prefix)
	sb.WriteByte(quote)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c == 0x7f || (bytes && c >= 0x80):
			fmt.Fprintf(sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
}
