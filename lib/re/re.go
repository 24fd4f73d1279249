package re

import (
	"strings"
	"sync"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// Module re is Python's regular-expression module on Go's RE2 engine.
//
//	compile(pattern, flags=0) -> Pattern
//	match(pattern, string, flags=0) -> Match or None
//	fullmatch(pattern, string, flags=0) -> Match or None
//	search(pattern, string, flags=0) -> Match or None
//	findall(pattern, string, flags=0) -> list
//	finditer(pattern, string, flags=0) -> list of Match
//	sub(pattern, repl, string, count=0, flags=0) -> str
//	subn(pattern, repl, string, count=0, flags=0) -> (str, int)
//	split(pattern, string, maxsplit=0, flags=0) -> list
//	escape(pattern) -> str
//	purge()
//	error                      # the exception type of bad patterns
//	I, IGNORECASE, M, MULTILINE, S, DOTALL, X, VERBOSE, A, ASCII, U, UNICODE
//
// A Pattern has the same methods without the pattern and flags arguments
// (match, fullmatch, search, findall and finditer also take pos and
// endpos), and pattern, flags, groups and groupindex. A Match has group,
// groups, groupdict, start, end, span, expand, m[g], string, re, pos,
// endpos, lastindex and lastgroup. repl is a template (\1, \g<1>,
// \g<name>) or a function of the Match returning a string.
//
// Differences from Python, all from RE2: backreferences, lookahead and
// lookbehind, atomic groups, possessive quantifiers and conditionals fail
// with re.error naming the construct; \b and, inside [...], \W and \S are
// ASCII-only (\d, \w, \s and \W, \S outside a class follow Unicode as
// Python's do); without MULTILINE a final $ matching before a trailing
// newline includes the newline in the match; positions are byte offsets,
// as Starlark's string indexes are; after an empty match, the next match
// starts at least one character later (Python may still find a non-empty
// match at the same position).
var Module = value.NewModule("re", members)

// flagNames lists the flags by value, as repr shows them, with their
// one-letter names.
var flagNames = []struct {
	name, letter string
	value        int
}{
	{"IGNORECASE", "I", flagIgnoreCase}, {"LOCALE", "L", flagLocale}, {"MULTILINE", "M", flagMultiline},
	{"DOTALL", "S", flagDotAll}, {"UNICODE", "U", flagUnicode}, {"VERBOSE", "X", flagVerbose},
	{"ASCII", "A", flagASCII},
}

func members() starlark.StringDict {
	d := starlark.StringDict{
		"compile": starlark.NewBuiltin("re.compile", reCompile),
		"escape":  starlark.NewBuiltin("re.escape", reEscape),
		"purge":   starlark.NewBuiltin("re.purge", rePurge),
		"error":   exceptions.ReError,
	}
	for name, op := range ops {
		d[name] = starlark.NewBuiltin("re."+name, op.moduleFunc)
	}
	for _, f := range flagNames {
		d[f.name] = starlark.MakeInt(f.value)
		d[f.letter] = starlark.MakeInt(f.value)
	}
	return d
}

// cache holds recently compiled patterns, as Python's re does, so the
// module functions don't recompile a pattern used in a loop.
var cache struct {
	sync.Mutex
	m map[cacheKey]*Pattern
}

type cacheKey struct {
	pattern string
	flags   int
}

const cacheSize = 512

// cached compiles pattern with flags, or returns the compiled one.
func cached(pattern string, flags int) (*Pattern, error) {
	key := cacheKey{pattern, flags}
	cache.Lock()
	p := cache.m[key]
	cache.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := compile(pattern, flags)
	if err != nil {
		return nil, err
	}
	cache.Lock()
	if cache.m == nil || len(cache.m) >= cacheSize {
		cache.m = map[cacheKey]*Pattern{}
	}
	cache.m[key] = p
	cache.Unlock()
	return p, nil
}

// toPattern returns a compiled Pattern for a str (or Pattern) argument.
func toPattern(v starlark.Value, flags int) (*Pattern, error) {
	switch v := v.(type) {
	case *Pattern:
		if flags != 0 {
			return nil, exceptions.ValueError.New("cannot process flags argument with a compiled pattern")
		}
		return v, nil
	case starlark.String:
		return cached(string(v), flags)
	}
	return nil, exceptions.TypeError.New("first argument must be string or compiled pattern")
}

// def compile(pattern, flags=0)
func reCompile(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern starlark.Value
	var flags int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pattern", &pattern, "flags?", &flags); err != nil {
		return nil, err
	}
	return toPattern(pattern, flags)
}

// specialChars are the characters escape backslashes, as Python 3.7+.
const specialChars = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f"

// def escape(pattern)
func reEscape(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pattern", &s); err != nil {
		return nil, err
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(specialChars, s[i]) >= 0 {
			out.WriteByte('\\')
		}
		out.WriteByte(s[i])
	}
	return starlark.String(out.String()), nil
}

// def purge(): empties the cache of compiled patterns.
func rePurge(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	cache.Lock()
	cache.m = nil
	cache.Unlock()
	return starlark.None, nil
}
