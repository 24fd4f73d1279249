// Package glob is Python's glob module for mpstar scripts: file names
// matching shell patterns.
//
// Module glob is the glob module.
//
//	glob(pathname, *, root_dir=None, recursive=False, include_hidden=False)
//	iglob(pathname, *, root_dir=None, recursive=False, include_hidden=False)
//	escape(pathname)
//
// Patterns are fnmatch's: * and ? match within one path component, [seq]
// and [!seq] match one character. With recursive=True a "**" component
// matches any files and zero or more directories ("src/**/*.go"). Names
// starting with "." are matched only by a pattern component starting with
// "." (or with include_hidden=True). Results keep the pattern's form:
// relative patterns give relative paths.
//
// Differences from CPython: names within each directory come sorted (CPython
// gives the directory's own order, so portable scripts sort anyway), and
// iglob returns the list glob does rather than an iterator.
package glob

import (
	"regexp"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/ospath"
)

// Module is the glob module.
var Module = value.NewModule("glob", func() starlark.StringDict {
	return starlark.StringDict{
		"glob":   starlark.NewBuiltin("glob.glob", globFunc),
		"iglob":  starlark.NewBuiltin("glob.iglob", globFunc),
		"escape": starlark.NewBuiltin("glob.escape", escape),
	}
})

// globber is one glob call's options, and the thread whose run's grants
// say what it may list.
type globber struct {
	thread            *starlark.Thread
	rootDir           string // "" when None
	recursive, hidden bool
}

// def glob(pathname, *, root_dir=None, recursive=False, include_hidden=False)
func globFunc(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern oserror.Path
	var root starlark.Value = starlark.None
	g := globber{thread: thread}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pathname", &pattern, "root_dir?", &root,
		"recursive?", &g.recursive, "include_hidden?", &g.hidden); err != nil {
		return nil, err
	}
	if root != starlark.None {
		dir, err := oserror.PathOf(root)
		if err != nil {
			return nil, err
		}
		g.rootDir = dir
	}
	// glob passes over what it cannot list, as Python's does, but a
	// pattern outside the run's grants is refused outright rather than
	// matching nothing.
	if err := gate.Readable(thread, g.path(literalDir(string(pattern)), ".")); err != nil {
		return nil, err
	}
	paths := g.glob(string(pattern), false)
	if len(paths) > 0 && paths[0] == "" {
		paths = paths[1:] // a leading "**" matched the directory itself
	}
	var out []starlark.Value
	for _, p := range paths {
		out = append(out, starlark.String(p))
	}
	return starlark.NewList(out), nil
}

// def escape(pathname): the pattern that matches pathname literally.
func escape(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p oserror.Path
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
		return nil, err
	}
	return starlark.String(escapeMagic.Replace(string(p))), nil
}

// escapeMagic puts each of a pattern's special characters in brackets.
var escapeMagic = strings.NewReplacer("*", "[*]", "?", "[?]", "[", "[[]")

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

// literalDir is the directory part of pattern before its first pattern
// component: every match lies beneath it.
func literalDir(pattern string) string {
	for hasMagic(pattern) {
		pattern, _ = ospath.Split(strings.TrimRight(pattern, "/"))
	}
	return pattern
}

// glob follows CPython's glob._iglob: the directory part is globbed first
// (recursively, when it has patterns), then the last component in each
// directory found. dirOnly keeps directories only (for the inner parts).
func (g *globber) glob(pattern string, dirOnly bool) []string {
	dir, base := ospath.Split(pattern)
	if !hasMagic(pattern) {
		if (base != "" && g.lexists(pattern)) || (base == "" && g.isDir(dir)) {
			return []string{pattern}
		}
		return nil
	}
	dirs := []string{dir}
	if dir != "" && dir != pattern && hasMagic(dir) {
		dirs = g.glob(dir, true)
	}
	var out []string
	for _, d := range dirs {
		for _, name := range g.inDir(d, base, dirOnly) {
			if d == "" {
				out = append(out, name)
			} else {
				out = append(out, ospath.Join(d, name))
			}
		}
	}
	return out
}

// inDir matches one pattern component in directory dir.
func (g *globber) inDir(dir, base string, dirOnly bool) []string {
	switch {
	case !hasMagic(base):
		if (base == "" && g.isDir(dir)) || (base != "" && g.lexists(ospath.Join(dir, base))) {
			return []string{base}
		}
		return nil
	case g.recursive && base == "**":
		return append([]string{""}, g.walk(dir, dirOnly)...)
	}
	match, err := compile(base)
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range g.list(dir, dirOnly) {
		if (g.hidden || !isHidden(name) || isHidden(base)) && match.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

// walk lists everything below dir that "**" matches, as relative paths,
// each directory before its contents; hidden names are left out.
func (g *globber) walk(dir string, dirOnly bool) []string {
	var out []string
	for _, name := range g.list(dir, dirOnly) {
		if !g.hidden && isHidden(name) {
			continue
		}
		out = append(out, name)
		for _, sub := range g.walk(ospath.Join(dir, name), dirOnly) {
			out = append(out, ospath.Join(name, sub))
		}
	}
	return out
}

// list is the names in a directory (directories only when dirOnly); a
// directory that cannot be read has none, as in CPython.
func (g *globber) list(dir string, dirOnly bool) []string {
	entries, err := gate.ReadDir(g.thread, g.path(dir, "."))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if !dirOnly || g.isDir(ospath.Join(dir, e.Name())) {
			names = append(names, e.Name())
		}
	}
	return names
}

// path is p relative to root_dir; empty is the given default.
func (g *globber) path(p, empty string) string {
	if p == "" {
		p = empty
	}
	if g.rootDir == "" {
		return p
	}
	return ospath.Join(g.rootDir, p)
}

func (g *globber) lexists(p string) bool {
	_, err := gate.Lstat(g.thread, g.path(p, "."))
	return err == nil
}

func (g *globber) isDir(p string) bool {
	fi, err := gate.Stat(g.thread, g.path(p, "."))
	return err == nil && fi.IsDir()
}

func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

// compile turns an fnmatch pattern into a regular expression over one name,
// as fnmatch.translate does. A set RE2 rejects (a reversed range) fails.
func compile(pattern string) (*regexp.Regexp, error) {
	var sb strings.Builder
	sb.WriteString(`^(?s:`)
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			sb.WriteString(`.*`)
		case '?':
			sb.WriteString(`.`)
		case '[':
			end := setEnd(pattern, i)
			if end < 0 {
				sb.WriteString(`\[`)
				continue
			}
			set := strings.ReplaceAll(pattern[i+1:end], `\`, `\\`)
			if strings.HasPrefix(set, "!") {
				set = "^" + set[1:]
			} else if strings.HasPrefix(set, "^") {
				set = `\` + set
			}
			sb.WriteString("[" + set + "]")
			i = end
		default:
			sb.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	sb.WriteString(`)$`)
	return regexp.Compile(sb.String())
}

// setEnd is the index of the "]" closing the set opened at i, or -1; a "]"
// first in the set (after any "!") is part of it.
func setEnd(pattern string, i int) int {
	j := i + 1
	if j < len(pattern) && pattern[j] == '!' {
		j++
	}
	if j < len(pattern) && pattern[j] == ']' {
		j++
	}
	if k := strings.IndexByte(pattern[j:], ']'); k >= 0 {
		return j + k
	}
	return -1
}
