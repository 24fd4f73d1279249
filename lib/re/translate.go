package re

// Translation of Python's pattern syntax into RE2's. Most of the two agree;
// this file rewrites what RE2 spells differently (\Z, \uXXXX, Unicode \d \w
// \s, a final $, VERBOSE) and rejects, naming the construct, what RE2 cannot
// run at all (backreferences, lookaround, atomic groups, conditionals).

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// Python's flag values, as re.I, re.M, ... are.
const (
	flagIgnoreCase = 2
	flagLocale     = 4
	flagMultiline  = 8
	flagDotAll     = 16
	flagUnicode    = 32
	flagVerbose    = 64
	flagASCII      = 256
)

// inlineFlags maps the letters of (?aiLmsux) to flag values.
var inlineFlags = map[byte]int{
	'a': flagASCII, 'i': flagIgnoreCase, 'L': flagLocale, 'm': flagMultiline,
	's': flagDotAll, 'u': flagUnicode, 'x': flagVerbose,
}

// Unicode versions of the class escapes: RE2's \d, \w and \s are ASCII only,
// Python's match what str.isdigit, str.isalnum and str.isspace accept. The
// inner forms go inside a [...] class; the negated escapes have none (RE2
// cannot negate a part of a class), so inside a class they stay ASCII.
var (
	wordClass  = `\p{L}\p{N}_`
	spaceClass = `\t-\r\x1c-\x1f\x85\p{Z}`
	unicodeEsc = map[byte][2]string{ // escape -> {outside a class, inside}
		'd': {`\p{Nd}`, `\p{Nd}`},
		'D': {`\P{Nd}`, `\P{Nd}`},
		'w': {"[" + wordClass + "]", wordClass},
		'W': {"[^" + wordClass + "]", `\W`},
		's': {"[" + spaceClass + "]", spaceClass},
		'S': {"[^" + spaceClass + "]", `\S`},
	}
)

// leadingFlags strips the global inline flags, such as (?i), that start a
// pattern and returns them added to flags.
func leadingFlags(pat string, flags int) (string, int) {
	for strings.HasPrefix(pat, "(?") {
		end := strings.IndexByte(pat, ')')
		if end < 3 {
			break
		}
		f := flags
		for i := 2; i < end; i++ {
			v, ok := inlineFlags[pat[i]]
			if !ok {
				return pat, flags
			}
			f |= v
		}
		pat, flags = pat[end+1:], f
	}
	return pat, flags
}

// stripVerbose drops the whitespace and # comments VERBOSE ignores: those
// outside a class and not escaped.
func stripVerbose(pat string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\' && i+1 < len(pat):
			b.WriteString(pat[i : i+2])
			i++
			continue
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
			// A ] right after [ or [^ is a literal member.
			j := i + 1
			if j < len(pat) && pat[j] == '^' {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				b.WriteString(pat[i : j+1])
				i = j
				continue
			}
		case c == '#':
			for i < len(pat) && pat[i] != '\n' {
				i++
			}
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// translator rewrites one pattern.
type translator struct {
	src   string
	flags int
	out   strings.Builder
	class bool // inside [...]
}

// translate returns the RE2 form of a Python pattern (without its leading
// global flags, which it returns merged into flags).
func translate(pat string, flags int) (string, int, error) {
	pat, flags = leadingFlags(pat, flags)
	if flags&flagVerbose != 0 {
		pat = stripVerbose(pat)
	}
	t := &translator{src: pat, flags: flags}
	for i := 0; i < len(pat); {
		n, err := t.step(i)
		if err != nil {
			return "", 0, err
		}
		i = n
	}
	return t.out.String(), flags, nil
}

// unsupported is the re.error for a construct RE2 cannot run.
func unsupported(what string, pos int) error {
	return errorf("%s at position %d is not supported by RE2, the regexp engine of Go (it does not backtrack)", what, pos)
}

// step translates the token at i and returns the index after it.
func (t *translator) step(i int) (int, error) {
	c := t.src[i]
	switch {
	case c == '\\':
		return t.escape(i)
	case t.class:
		if c == ']' {
			t.class = false
		}
		t.out.WriteByte(c)
		return i + 1, nil
	case c == '[':
		return t.openClass(i), nil
	case c == '(' && strings.HasPrefix(t.src[i:], "(?"):
		return t.group(i)
	case c == '$' && t.flags&flagMultiline == 0:
		// Python's $ also matches before a final newline; RE2 has no
		// lookahead, so the newline becomes part of the match.
		t.out.WriteString(`(?:\n?\z)`)
		return i + 1, nil
	case c == '{' && strings.HasPrefix(t.src[i:], "{,"):
		// Python's {,n} is {0,n}.
		t.out.WriteString("{0")
		return i + 1, nil
	case (c == '+' || c == '*' || c == '?' || c == '}') && i+1 < len(t.src) && t.src[i+1] == '+':
		return 0, unsupported("the possessive quantifier "+t.src[i:i+2], i)
	}
	t.out.WriteByte(c)
	return i + 1, nil
}

// openClass copies the start of a [...] class, with a literal ] first.
func (t *translator) openClass(i int) int {
	t.class = true
	j := i + 1
	if j < len(t.src) && t.src[j] == '^' {
		j++
	}
	if j < len(t.src) && t.src[j] == ']' {
		t.out.WriteString(t.src[i:j])
		t.out.WriteString(`\]`)
		return j + 1
	}
	t.out.WriteString(t.src[i:j])
	return j
}

// group translates the (?...) construct at i.
func (t *translator) group(i int) (int, error) {
	rest := t.src[i+2:]
	switch {
	case strings.HasPrefix(rest, "P="):
		return 0, unsupported("the backreference (?P="+strings.SplitN(rest[2:], ")", 2)[0]+")", i)
	case strings.HasPrefix(rest, "="):
		return 0, unsupported("the lookahead assertion (?=...)", i)
	case strings.HasPrefix(rest, "!"):
		return 0, unsupported("the negative lookahead assertion (?!...)", i)
	case strings.HasPrefix(rest, "<="):
		return 0, unsupported("the lookbehind assertion (?<=...)", i)
	case strings.HasPrefix(rest, "<!"):
		return 0, unsupported("the negative lookbehind assertion (?<!...)", i)
	case strings.HasPrefix(rest, ">"):
		return 0, unsupported("the atomic group (?>...)", i)
	case strings.HasPrefix(rest, "("):
		return 0, unsupported("the conditional group (?(...)...)", i)
	case strings.HasPrefix(rest, "#"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return 0, errorf("missing ), unterminated comment at position %d", i)
		}
		return i + 2 + end + 1, nil
	}
	return t.scopedFlags(i)
}

// scopedFlags copies (?flags:...) without the letters RE2 lacks (a, L, u,
// x); any other (?...) is copied for RE2 to judge.
func (t *translator) scopedFlags(i int) (int, error) {
	j := i + 2
	for j < len(t.src) && (inlineFlags[t.src[j]] != 0 || t.src[j] == '-') {
		j++
	}
	if j == i+2 || j >= len(t.src) || t.src[j] != ':' {
		t.out.WriteString("(?")
		return i + 2, nil
	}
	letters := strings.Map(func(r rune) rune {
		if strings.ContainsRune("aLux", r) {
			return -1
		}
		return r
	}, t.src[i+2:j])
	if letters == "" || letters == "-" {
		t.out.WriteString("(?:")
	} else {
		t.out.WriteString("(?" + letters + ":")
	}
	return j + 1, nil
}

// escape translates the backslash escape at i.
func (t *translator) escape(i int) (int, error) {
	if i+1 >= len(t.src) {
		return 0, errorf("bad escape (end of pattern) at position %d", i)
	}
	c := t.src[i+1]
	switch {
	case c >= '1' && c <= '9':
		return t.digits(i)
	case c == '0':
		return t.octal(i, i+1), nil
	case c == 'Z' && !t.class:
		t.out.WriteString(`\z`)
	case c == 'b' && t.class:
		t.out.WriteString(`\x08`)
	case c == 'u' || c == 'U':
		return t.hexRune(i, c)
	case unicodeEsc[c] != [2]string{} && t.flags&flagASCII == 0:
		if t.class {
			t.out.WriteString(unicodeEsc[c][1])
		} else {
			t.out.WriteString(unicodeEsc[c][0])
		}
	default:
		t.out.WriteString(t.src[i : i+2])
	}
	return i + 2, nil
}

// digits translates \N: a three-digit octal escape, or a backreference.
func (t *translator) digits(i int) (int, error) {
	s := t.src[i+1:]
	if len(s) >= 3 && isOctal(s[0]) && isOctal(s[1]) && isOctal(s[2]) {
		return t.octal(i, i+1), nil
	}
	n := 1
	if len(s) > 1 && s[1] >= '0' && s[1] <= '9' {
		n = 2
	}
	if t.class {
		return 0, errorf("bad escape \\%s at position %d", s[:n], i)
	}
	return 0, unsupported("the backreference \\"+s[:n], i)
}

// octal translates an octal escape of up to three digits starting at j.
func (t *translator) octal(i, j int) int {
	end := j
	for end < len(t.src) && end < j+3 && isOctal(t.src[end]) {
		end++
	}
	v, _ := strconv.ParseUint(t.src[j:end], 8, 32)
	fmt.Fprintf(&t.out, `\x{%x}`, v)
	return end
}

// hexRune translates \uXXXX and \UXXXXXXXX.
func (t *translator) hexRune(i int, c byte) (int, error) {
	n := 4
	if c == 'U' {
		n = 8
	}
	end := i + 2 + n
	if end > len(t.src) {
		return 0, errorf("incomplete escape \\%s at position %d", t.src[i+1:], i)
	}
	v, err := strconv.ParseUint(t.src[i+2:end], 16, 32)
	if err != nil {
		return 0, errorf("incomplete escape %s at position %d", t.src[i:end], i)
	}
	fmt.Fprintf(&t.out, `\x{%x}`, v)
	return end, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// re2Messages are Python's words for RE2's parse errors.
var re2Messages = map[syntax.ErrorCode]string{
	syntax.ErrMissingParen:          "missing ), unterminated subpattern",
	syntax.ErrUnexpectedParen:       "unbalanced parenthesis",
	syntax.ErrMissingBracket:        "unterminated character set",
	syntax.ErrMissingRepeatArgument: "nothing to repeat",
	syntax.ErrInvalidRepeatOp:       "multiple repeat",
	syntax.ErrInvalidCharRange:      "bad character range",
	syntax.ErrTrailingBackslash:     "bad escape (end of pattern)",
}

// compileRE2 compiles a translated pattern, turning RE2's complaint into
// re.error, in Python's words where they differ and with the position in
// the source pattern where it can be found.
func compileRE2(src, expr string) (*regexp.Regexp, error) {
	r, err := regexp.Compile(expr)
	var se *syntax.Error
	if err == nil || !errors.As(err, &se) {
		return r, err
	}
	msg, ok := re2Messages[se.Code]
	if !ok {
		msg = se.Code.String()
	}
	at := strings.Index(src, se.Expr)
	switch se.Code {
	case syntax.ErrUnexpectedParen:
		at = unbalancedParen(src)
	case syntax.ErrInvalidRepeatOp:
		at += len(se.Expr) - 1 // Python points at the second operator
	}
	if at >= 0 && se.Expr != "" {
		return nil, errorf("%s at position %d", msg, at)
	}
	return nil, errorf("%s: %s", msg, se.Expr)
}

// unbalancedParen returns the position of the first ) in a pattern that
// closes no group, or -1.
func unbalancedParen(src string) int {
	depth, inClass := 0, false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
