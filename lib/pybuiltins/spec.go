package pybuiltins

// Parsing Python's format-spec mini-language:
//
//	[[fill]align][sign]["z"]["#"]["0"][width][grouping]["." precision][type]

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// spec is a parsed format spec; zero values mean "not given".
type spec struct {
	fill     rune
	align    byte // '<', '>', '=', '^'
	sign     byte // '+', '-', ' '
	z        bool // coerce negative zero (floats)
	alt      bool // '#'
	zero     bool // '0' before the width
	width    int
	grouping byte // ',' or '_'
	prec     int  // -1: none
	typ      byte
}

// parseSpec parses s with the value type's default presentation type (0
// for none); typeName is Python's name of the value's type, for messages.
func parseSpec(s string, defaultType byte, typeName string) (*spec, error) {
	sp := &spec{prec: -1}
	i := 0
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		sp.fill, sp.align, i = r, s[n], n+1
	} else if len(s) > 0 && isAlign(s[0]) {
		sp.align, i = s[0], 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == ' ') {
		sp.sign, i = s[i], i+1
	}
	if i < len(s) && s[i] == 'z' {
		sp.z, i = true, i+1
	}
	if i < len(s) && s[i] == '#' {
		sp.alt, i = true, i+1
	}
	if i < len(s) && s[i] == '0' {
		sp.zero, i = true, i+1
	}
	sp.width, i = digits(s, i)
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		sp.grouping, i = s[i], i+1
		if i < len(s) && (s[i] == ',' || s[i] == '_') {
			return nil, exceptions.ValueError.New("Cannot specify both ',' and '_'.")
		}
	}
	if i < len(s) && s[i] == '.' {
		start := i + 1
		sp.prec, i = digits(s, start)
		if i == start {
			return nil, exceptions.ValueError.New("Format specifier missing precision")
		}
	}
	if len(s)-i > 1 {
		return nil, exceptions.ValueError.Errorf("Invalid format specifier '%s' for object of type '%s'", s, typeName)
	}
	sp.typ = defaultType
	if i < len(s) {
		sp.typ = s[i]
	}
	if sp.zero && sp.fill == 0 {
		sp.fill = '0'
	}
	return sp, sp.checkGrouping()
}

// checkGrouping refuses a grouping option the presentation type does not
// take: ',' only for decimal types, '_' also for b, o, x and X.
func (sp *spec) checkGrouping() error {
	if sp.grouping == 0 || sp.typ == 0 || strings.IndexByte("deEfFgG%", sp.typ) >= 0 ||
		sp.grouping == '_' && strings.IndexByte("boxX", sp.typ) >= 0 {
		return nil
	}
	return exceptions.ValueError.Errorf("Cannot specify '%c' with '%c'.", sp.grouping, sp.typ)
}

func isAlign(c byte) bool { return c == '<' || c == '>' || c == '=' || c == '^' }

// digits reads a decimal number at i (0 if there is none).
func digits(s string, i int) (int, int) {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(s[i:j])
	return n, j
}

// group inserts sep every size digits from the right of ds, first adding
// leading zeros until the result is at least minWidth long (zero padding
// is grouped too, and never starts with a separator).
func group(ds string, sep byte, size, minWidth int) string {
	for {
		var b strings.Builder
		for i := 0; i < len(ds); i++ {
			if i > 0 && (len(ds)-i)%size == 0 {
				b.WriteByte(sep)
			}
			b.WriteByte(ds[i])
		}
		if b.Len() >= minWidth {
			return b.String()
		}
		ds = "0" + ds
	}
}

// pad aligns the formatted parts to the width: sign and prefix (such as
// 0x) stay before the padding when the alignment is '='.
func (sp *spec) pad(sign, prefix, body string, defaultAlign byte) string {
	n := sp.width - utf8.RuneCountInString(sign) - len(prefix) - utf8.RuneCountInString(body)
	if n <= 0 {
		return sign + prefix + body
	}
	fill := sp.fill
	if fill == 0 {
		fill = ' '
	}
	align := sp.align
	if align == 0 {
		align = defaultAlign
	}
	f := func(k int) string { return strings.Repeat(string(fill), k) }
	switch align {
	case '<':
		return sign + prefix + body + f(n)
	case '^':
		return f(n/2) + sign + prefix + body + f(n-n/2)
	case '=':
		return sign + prefix + f(n) + body
	}
	return f(n) + sign + prefix + body
}

// signOf returns the sign text for a number by the spec's sign option.
func (sp *spec) signOf(negative bool) string {
	switch {
	case negative:
		return "-"
	case sp.sign == '+':
		return "+"
	case sp.sign == ' ':
		return " "
	}
	return ""
}

// zeroGrouped reports whether padding is made of grouped zero digits:
// fill 0 with '=' alignment and a grouping option.
func (sp *spec) zeroGrouped() bool {
	return sp.fill == '0' && sp.align == '=' && sp.grouping != 0
}

// numeric sets the defaults of numbers: the 0 flag pads between the sign
// and the digits.
func (sp *spec) numeric() {
	if sp.zero && sp.align == 0 {
		sp.align = '='
	}
}
