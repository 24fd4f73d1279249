package re

// Pattern: a compiled regular expression, with the RE2 programs that run it
// as Python's match, fullmatch and search do from any position.

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// mode is how a program is anchored.
type mode int

const (
	searchMode mode = iota
	matchMode
	fullMode
)

// Pattern is a compiled regular expression, as re.compile returns.
type Pattern struct {
	pattern  string
	flags    int
	prefix   string // RE2 flags the Python flags become, e.g. "(?i)"
	body     string // the translated pattern
	re       *regexp.Regexp
	nullable bool      // the pattern can match the empty string
	run      *classRun // the fast path for C+ patterns, or nil

	mu    sync.Mutex
	progs map[[2]int]*regexp.Regexp // by mode and whether it starts mid-string
}

var (
	_ starlark.HasAttrs = (*Pattern)(nil)
	_ starlark.Value    = (*Pattern)(nil)
)

// compile builds a Pattern from Python syntax.
func compile(pattern string, flags int) (*Pattern, error) {
	body, flags, err := translate(pattern, flags)
	if err != nil {
		return nil, err
	}
	p := &Pattern{pattern: pattern, flags: flags, body: body, progs: map[[2]int]*regexp.Regexp{}}
	for _, f := range []struct {
		bit    int
		letter string
	}{{flagIgnoreCase, "i"}, {flagMultiline, "m"}, {flagDotAll, "s"}} {
		if flags&f.bit != 0 {
			p.prefix += f.letter
		}
	}
	if p.prefix != "" {
		p.prefix = "(?" + p.prefix + ")"
	}
	if p.re, err = compileRE2(pattern, p.prefix+body); err != nil {
		return nil, err
	}
	p.progs[[2]int{int(searchMode), 0}] = p.re
	re, _ := syntax.Parse(p.prefix+body, syntax.Perl)
	p.nullable = nullable(re)
	p.run = newClassRun(re)
	return p, nil
}

// prog returns the program for a mode; mid programs run on the string from
// one character before the start position, so that ^ and \b see what
// precedes it, and report the pattern's span as their first group.
func (p *Pattern) prog(m mode, mid bool) *regexp.Regexp {
	key := [2]int{int(m), 0}
	if mid {
		key[1] = 1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.progs[key]; r != nil {
		return r
	}
	var expr string
	switch {
	case mid && m == searchMode:
		expr = `\A(?s:.)(?s:.*?)(` + p.body + `)`
	case mid:
		expr = `\A(?s:.)(` + p.body + `)`
	default:
		expr = `\A(?:` + p.body + `)`
	}
	if m == fullMode {
		expr += `\z`
	}
	r := regexp.MustCompile(p.prefix + expr) // the body compiled alone
	p.progs[key] = r
	return r
}

// find runs the pattern on s[:endpos] from pos, returning the submatch
// indexes as FindStringSubmatchIndex does, or nil.
func (p *Pattern) find(s string, pos, endpos int, m mode) []int {
	text := s[:endpos]
	if pos == 0 {
		return p.prog(m, false).FindStringSubmatchIndex(text)
	}
	if pos > endpos {
		return nil
	}
	_, k := utf8.DecodeLastRuneInString(s[:pos])
	loc := p.prog(m, true).FindStringSubmatchIndex(text[pos-k:])
	if loc == nil {
		return nil
	}
	loc = loc[2:]
	for i, v := range loc {
		if v >= 0 {
			loc[i] = v + pos - k
		}
	}
	return loc
}

// each calls f with the successive non-overlapping matches in s[pos:endpos],
// at most limit of them (no limit if limit <= 0), until f returns false.
// As in Python 3.7+, an empty match may follow a non-empty one directly;
// after an empty match the next one starts at least a character later.
func (p *Pattern) each(s string, pos, endpos, limit int, f func(loc []int) bool) {
	if p.run != nil {
		p.run.each(s, pos, endpos, limit, f)
		return
	}
	if !p.nullable && pos == 0 {
		// Without empty matches, RE2's own loop agrees with Python's.
		n := limit
		if n <= 0 {
			n = -1
		}
		for _, loc := range p.re.FindAllStringSubmatchIndex(s[:endpos], n) {
			if !f(loc) {
				return
			}
		}
		return
	}
	for count := 0; pos <= endpos && (limit <= 0 || count < limit); count++ {
		loc := p.find(s, pos, endpos, searchMode)
		if loc == nil || !f(loc) {
			return
		}
		pos = loc[1]
		if loc[0] == loc[1] {
			if pos == endpos {
				return
			}
			_, w := utf8.DecodeRuneInString(s[pos:])
			pos += w
		}
	}
}

// nullable reports whether a parsed pattern can match the empty string.
func nullable(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral, syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return false
	case syntax.OpCapture:
		return nullable(re.Sub[0])
	case syntax.OpPlus:
		return nullable(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min == 0 || nullable(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !nullable(sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if nullable(sub) {
				return true
			}
		}
		return false
	}
	return true // empty match, star, quest, assertions
}

// groupIndex returns the number of the group named or numbered by v.
func (p *Pattern) groupIndex(v starlark.Value) (int, error) {
	switch v := v.(type) {
	case starlark.Int:
		if i, ok := v.Int64(); ok && i >= 0 && int(i) <= p.re.NumSubexp() {
			return int(i), nil
		}
	case starlark.String:
		if i := p.re.SubexpIndex(string(v)); i >= 0 {
			return i, nil
		}
	}
	return 0, exceptions.IndexError.Errorf("no such group")
}

// String is repr(p), as Python's: re.compile('a+', re.IGNORECASE).
func (p *Pattern) String() string {
	var names []string
	for _, f := range flagNames {
		if p.flags&f.value != 0 && f.value != flagUnicode {
			names = append(names, "re."+f.name)
		}
	}
	if len(names) == 0 {
		return "re.compile(" + pyrepr.Repr(starlark.String(p.pattern)) + ")"
	}
	return fmt.Sprintf("re.compile(%s, %s)", pyrepr.Repr(starlark.String(p.pattern)), strings.Join(names, "|"))
}

// Type implements starlark.Value.
func (p *Pattern) Type() string { return "re.Pattern" }

// Freeze implements starlark.Value: a pattern is immutable.
func (p *Pattern) Freeze() {}

// Truth implements starlark.Value.
func (p *Pattern) Truth() starlark.Bool { return true }

// Hash hashes by the source and flags, as Python's patterns compare.
func (p *Pattern) Hash() (uint32, error) {
	return starlark.String(fmt.Sprintf("%d:%s", p.flags, p.pattern)).Hash()
}

// Attr implements starlark.HasAttrs.
func (p *Pattern) Attr(name string) (starlark.Value, error) {
	switch name {
	case "pattern":
		return starlark.String(p.pattern), nil
	case "flags":
		if p.flags&flagASCII == 0 {
			return starlark.MakeInt(p.flags | flagUnicode), nil // str patterns are Unicode
		}
		return starlark.MakeInt(p.flags), nil
	case "groups":
		return starlark.MakeInt(p.re.NumSubexp()), nil
	case "groupindex":
		d := starlark.NewDict(0)
		for i, n := range p.re.SubexpNames() {
			if n != "" {
				d.SetKey(starlark.String(n), starlark.MakeInt(i))
			}
		}
		d.Freeze()
		return d, nil
	}
	return value.Attr(patternMethods, p, name)
}

// AttrNames implements starlark.HasAttrs.
func (p *Pattern) AttrNames() []string {
	return value.AttrNames(patternMethods, "flags", "groupindex", "groups", "pattern")
}
