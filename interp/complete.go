package interp

// Tab completion for an interactive session (CPython: Lib/rlcompleter.py).

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"go.starlark.net/starlark"
)

// indent is what Tab inserts where there is no word to complete, at the
// start of a line: the next level of a block, as Python's REPL does.
const indent = "    "

// keywords are the Starlark keywords offered as completions of a name.
var keywords = []string{"and", "break", "continue", "def", "elif", "else", "for", "if", "in",
	"lambda", "load", "not", "or", "pass", "return", "while"}

// Complete proposes completions for the word before position pos (in
// runes) of line, in the shape github.com/peterh/liner's WordCompleter
// wants: each completion replaces the word, between head and tail.
//
// A word is a name ("mult" → "multiprocessing", globals, predeclared
// names, keywords) or a dotted path ("multiprocessing.Pro" →
// "multiprocessing.Process"), whose prefix is evaluated by looking names up
// and reading attributes only: completion never calls a function. At the
// start of a line, where there is no word, Tab indents.
func (s *Session) Complete(line string, pos int) (head string, completions []string, tail string) {
	runes := []rune(line)
	pos = min(max(pos, 0), len(runes))
	start := pos
	for start > 0 && isWordRune(runes[start-1]) {
		start--
	}
	head, word, tail := string(runes[:start]), string(runes[start:pos]), string(runes[pos:])
	if word == "" {
		if strings.TrimSpace(head) == "" {
			return head, []string{indent}, tail
		}
		return head, nil, tail
	}
	return head, s.completeWord(word), tail
}

func isWordRune(r rune) bool {
	return r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// completeWord returns the sorted completions of a name or dotted path.
func (s *Session) completeWord(word string) []string {
	path, partial, dotted := cutLast(word, ".")
	if !dotted {
		return withPrefix("", s.names(), word)
	}
	v := s.lookup(path)
	attrs, ok := v.(starlark.HasAttrs)
	if !ok {
		return nil
	}
	return withPrefix(path+".", attrs.AttrNames(), partial)
}

// names are the names a chunk can use: the session's scope, the
// universe and the keywords.
func (s *Session) names() []string {
	names := slices.Concat(keywords, slices.Collect(maps.Keys(s.scope)), slices.Collect(maps.Keys(starlark.Universe)))
	return slices.DeleteFunc(names, func(n string) bool { return !isIdent(n) })
}

// lookup evaluates a dotted path of names ("a.b.c") by name lookup and
// attribute reads, or returns nil when any step fails.
func (s *Session) lookup(path string) starlark.Value {
	parts := strings.Split(path, ".")
	if !isIdent(parts[0]) {
		return nil
	}
	v, ok := s.scope[parts[0]]
	if !ok {
		v = starlark.Universe[parts[0]]
	}
	for _, name := range parts[1:] {
		attrs, ok := v.(starlark.HasAttrs)
		if !ok || !isIdent(name) {
			return nil
		}
		var err error
		if v, err = attrs.Attr(name); err != nil {
			return nil
		}
	}
	return v
}

// withPrefix returns head+name for the names that start with partial,
// sorted and without duplicates.
func withPrefix(head string, names []string, partial string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, partial) {
			out = append(out, head+n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}

// isIdent reports whether s is a Starlark identifier; internal names of
// the session (such as "$prev") are not.
func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}
