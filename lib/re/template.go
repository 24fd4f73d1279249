package re

// Replacement templates for sub and expand: \1, \g<1>, \g<name> and the
// escapes Python's templates accept.

import (
	"strconv"
	"strings"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// template is a parsed replacement: literal text interleaved with groups.
type template struct {
	lits   []string // len(groups)+1 pieces of literal text
	groups []int
}

// templateEscapes are the letter escapes a template may use.
var templateEscapes = map[byte]string{'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v", '\\': "\\"}

// parseTemplate parses a replacement template for p, with Python's errors.
func parseTemplate(p *Pattern, src string) (*template, error) {
	t := &template{}
	var lit strings.Builder
	addGroup := func(i, at int) error {
		if i > p.re.NumSubexp() {
			return errorf("invalid group reference %d at position %d", i, at)
		}
		t.lits = append(t.lits, lit.String())
		t.groups = append(t.groups, i)
		lit.Reset()
		return nil
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\\' || i+1 == len(src) {
			if c == '\\' {
				return nil, errorf("bad escape (end of pattern) at position %d", i)
			}
			lit.WriteByte(c)
			continue
		}
		var err error
		switch e := src[i+1]; {
		case e == 'g':
			var n, at int
			n, at, i, err = namedRef(p, src, i)
			if err == nil {
				err = addGroup(n, at)
			}
		case e >= '1' && e <= '9':
			var n int
			n, i = numberRef(src, i, &lit)
			if n >= 0 {
				err = addGroup(n, i-len(strconv.Itoa(n))+1)
			}
		case e == '0':
			i = octalLiteral(src, i, &lit)
		case templateEscapes[e] != "":
			lit.WriteString(templateEscapes[e])
			i++
		case e >= 'a' && e <= 'z' || e >= 'A' && e <= 'Z':
			return nil, errorf("bad escape %s at position %d", src[i:i+2], i)
		default:
			lit.WriteString(src[i : i+2])
			i++
		}
		if err != nil {
			return nil, err
		}
	}
	t.lits = append(t.lits, lit.String())
	return t, nil
}

// namedRef parses \g<name> or \g<number> at i, returning the group, the
// position of its name and the index of the closing >.
func namedRef(p *Pattern, src string, i int) (group, at, end int, err error) {
	at = i + 3
	if !strings.HasPrefix(src[i+2:], "<") {
		return 0, 0, 0, errorf("missing < at position %d", i+2)
	}
	close := strings.IndexByte(src[at:], '>')
	if close < 0 {
		return 0, 0, 0, errorf("missing >, unterminated name at position %d", at)
	}
	name := src[at : at+close]
	if name == "" {
		return 0, 0, 0, errorf("missing group name at position %d", at)
	}
	if n, convErr := strconv.Atoi(name); convErr == nil && n >= 0 && name[0] != '+' {
		return n, at, at + close, nil
	}
	if n := p.re.SubexpIndex(name); n >= 0 {
		return n, at, at + close, nil
	}
	if !isIdentifier(name) {
		return 0, 0, 0, errorf("bad character in group name '%s' at position %d", name, at)
	}
	return 0, 0, 0, exceptions.IndexError.Errorf("unknown group name '%s'", name)
}

// numberRef parses \N or \NN at i (or a three-digit octal escape, written
// to lit, when it returns -1), returning the index of its last digit.
func numberRef(src string, i int, lit *strings.Builder) (group, last int) {
	j := i + 2
	if j < len(src) && isDigit(src[j]) {
		j++
		if isOctal(src[i+1]) && isOctal(src[i+2]) && j < len(src) && isOctal(src[j]) {
			v, _ := strconv.ParseUint(src[i+1:j+1], 8, 32)
			lit.WriteRune(rune(v & 0xff))
			return -1, j
		}
	}
	n, _ := strconv.Atoi(src[i+1 : j])
	return n, j - 1
}

// octalLiteral writes the \0, \0N or \0NN escape at i and returns the index
// of its last digit.
func octalLiteral(src string, i int, lit *strings.Builder) int {
	j := i + 2
	for j < len(src) && j < i+4 && isOctal(src[j]) {
		j++
	}
	v, _ := strconv.ParseUint("0"+src[i+2:j], 8, 32)
	lit.WriteRune(rune(v))
	return j - 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// expand returns the replacement for one match of s.
func (t *template) expand(s string, loc []int) string {
	if len(t.groups) == 0 {
		return t.lits[0]
	}
	var b strings.Builder
	for k, g := range t.groups {
		b.WriteString(t.lits[k])
		if loc[2*g] >= 0 {
			b.WriteString(s[loc[2*g]:loc[2*g+1]])
		}
	}
	b.WriteString(t.lits[len(t.groups)])
	return b.String()
}
