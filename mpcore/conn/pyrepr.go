package conn

// Python's repr() of bytes and str, for error messages and addresses that
// must read as CPython's do.

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyBytesRepr formats b as Python's repr(bytes) does: b'...'.
func pyBytesRepr(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('b')
	q := pyQuote(string(b))
	sb.WriteByte(q)
	for _, c := range b {
		writeEscaped(&sb, rune(c), q, c >= 0x20 && c < 0x7f)
	}
	sb.WriteByte(q)
	return sb.String()
}

// pyStrRepr formats s as Python's repr(str) does: '...'.
func pyStrRepr(s string) string {
	var sb strings.Builder
	q := pyQuote(s)
	sb.WriteByte(q)
	for _, r := range s {
		writeEscaped(&sb, r, q, r != utf8.RuneError && unicode.IsPrint(r))
	}
	sb.WriteByte(q)
	return sb.String()
}

// pyQuote picks the quote Python's repr uses: ' unless s contains ' and no ".
func pyQuote(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

// writeEscaped writes r as it appears inside a Python literal quoted by q.
func writeEscaped(sb *strings.Builder, r rune, q byte, printable bool) {
	switch {
	case r == '\\' || r == rune(q):
		sb.WriteByte('\\')
		sb.WriteRune(r)
	case r == '\n':
		sb.WriteString(`\n`)
	case r == '\r':
		sb.WriteString(`\r`)
	case r == '\t':
		sb.WriteString(`\t`)
	case printable:
		sb.WriteRune(r)
	case r < 0x100:
		fmt.Fprintf(sb, `\x%02x`, r)
	case r < 0x10000:
		fmt.Fprintf(sb, `\u%04x`, r)
	default:
		fmt.Fprintf(sb, `\U%08x`, r)
	}
}
