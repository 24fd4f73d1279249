package pyquote

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bytes is Python's repr(b): b'...', printable ASCII as it is, \t \n \r
// and the quote and backslash escaped, every other byte as \xhh.
func Bytes(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 3)
	sb.WriteByte('b')
	q := quote(string(b))
	sb.WriteByte(q)
	for _, c := range b {
		writeEscaped(&sb, rune(c), q, c >= 0x20 && c < 0x7f)
	}
	sb.WriteByte(q)
	return sb.String()
}

// Str is Python's repr(s): '...', printable characters as they are,
// others escaped as \xhh, \uhhhh or \Uhhhhhhhh.
func Str(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	q := quote(s)
	sb.WriteByte(q)
	for _, r := range s {
		writeEscaped(&sb, r, q, r != utf8.RuneError && unicode.IsPrint(r))
	}
	sb.WriteByte(q)
	return sb.String()
}

// quote picks the quote Python's repr uses: ' unless s contains ' and no ".
func quote(s string) byte {
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
		hex(sb, `\x`, r, 2)
	case r < 0x10000:
		hex(sb, `\u`, r, 4)
	default:
		hex(sb, `\U`, r, 8)
	}
}

// hex writes prefix and r as width lower-case hex digits.
func hex(sb *strings.Builder, prefix string, r rune, width int) {
	sb.WriteString(prefix)
	digits := strconv.FormatUint(uint64(r), 16)
	sb.WriteString(strings.Repeat("0", width-len(digits)))
	sb.WriteString(digits)
}
