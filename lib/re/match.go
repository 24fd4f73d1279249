package re

// Match: the result of a successful match, with Python's group accessors.

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// Match is one match of a Pattern in a string, as Python's re.Match.
type Match struct {
	p           *Pattern
	s           string
	loc         []int // submatch indexes, -1 for a group that did not take part
	pos, endpos int
}

var (
	_ starlark.HasAttrs = (*Match)(nil)
	_ starlark.Mapping  = (*Match)(nil)
)

// group returns the text of group i, or None if it did not take part.
func (m *Match) group(i int) starlark.Value {
	if m.loc[2*i] < 0 {
		return starlark.None
	}
	return starlark.String(m.s[m.loc[2*i]:m.loc[2*i+1]])
}

// groupOr is group(i) with a default for a group that did not take part.
func (m *Match) groupOr(i int, def starlark.Value) starlark.Value {
	if m.loc[2*i] < 0 {
		return def
	}
	return m.group(i)
}

// String is repr(m), as Python's: <re.Match object; span=(0, 3), match='abc'>.
func (m *Match) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d), match=%s>", m.loc[0], m.loc[1], pyrepr.Repr(starlark.String(m.s[m.loc[0]:m.loc[1]])))
}

// Type implements starlark.Value.
func (m *Match) Type() string { return "re.Match" }

// Freeze implements starlark.Value: a match is immutable.
func (m *Match) Freeze() {}

// Truth is always true, so `if m:` tests for a match as in Python.
func (m *Match) Truth() starlark.Bool { return true }

// Hash fails, as for Python's match objects.
func (m *Match) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: re.Match") }

// Get is m[g], the same as m.group(g).
func (m *Match) Get(k starlark.Value) (starlark.Value, bool, error) {
	i, err := m.p.groupIndex(k)
	if err != nil {
		return nil, false, err
	}
	return m.group(i), true, nil
}

// Attr implements starlark.HasAttrs.
func (m *Match) Attr(name string) (starlark.Value, error) {
	switch name {
	case "string":
		return starlark.String(m.s), nil
	case "re":
		return m.p, nil
	case "pos":
		return starlark.MakeInt(m.pos), nil
	case "endpos":
		return starlark.MakeInt(m.endpos), nil
	case "lastindex", "lastgroup":
		return m.last(name == "lastgroup"), nil
	}
	return value.Attr(matchMethods, m, name)
}

// AttrNames implements starlark.HasAttrs.
func (m *Match) AttrNames() []string {
	return value.AttrNames(matchMethods, "endpos", "lastgroup", "lastindex", "pos", "re", "string")
}

// last is lastindex (or lastgroup): the group that closed last, which is
// the matched group with the rightmost end, the outermost of equals.
func (m *Match) last(byName bool) starlark.Value {
	best := -1
	for i := 1; i <= m.p.re.NumSubexp(); i++ {
		if m.loc[2*i] >= 0 && (best < 0 || m.loc[2*i+1] > m.loc[2*best+1]) {
			best = i
		}
	}
	if best < 0 {
		return starlark.None
	}
	if !byName {
		return starlark.MakeInt(best)
	}
	if n := m.p.re.SubexpNames()[best]; n != "" {
		return starlark.String(n)
	}
	return starlark.None
}

var matchMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"group":     starlark.NewBuiltin("group", matchGroup),
		"groups":    starlark.NewBuiltin("groups", matchGroups),
		"groupdict": starlark.NewBuiltin("groupdict", matchGroupdict),
		"start":     starlark.NewBuiltin("start", matchSpanPart(0)),
		"end":       starlark.NewBuiltin("end", matchSpanPart(1)),
		"span":      starlark.NewBuiltin("span", matchSpanPart(2)),
		"expand":    starlark.NewBuiltin("expand", matchExpand),
	}
})

// def group(*groups)
func matchGroup(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, exceptions.TypeError.New("Match.group() takes no keyword arguments")
	}
	m := b.Receiver().(*Match)
	if len(args) == 0 {
		return m.group(0), nil
	}
	out := make(starlark.Tuple, len(args))
	for j, a := range args {
		i, err := m.p.groupIndex(a)
		if err != nil {
			return nil, err
		}
		out[j] = m.group(i)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// def groups(default=None)
func matchGroups(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var def starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "default?", &def); err != nil {
		return nil, err
	}
	m := b.Receiver().(*Match)
	out := make(starlark.Tuple, m.p.re.NumSubexp())
	for i := range out {
		out[i] = m.groupOr(i+1, def)
	}
	return out, nil
}

// def groupdict(default=None)
func matchGroupdict(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var def starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "default?", &def); err != nil {
		return nil, err
	}
	m := b.Receiver().(*Match)
	d := starlark.NewDict(0)
	for i, n := range m.p.re.SubexpNames() {
		if n != "" {
			d.SetKey(starlark.String(n), m.groupOr(i, def))
		}
	}
	return d, nil
}

// matchSpanPart makes start(group=0) (part 0), end (1) and span (2).
func matchSpanPart(part int) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var g starlark.Value = starlark.MakeInt(0)
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &g); err != nil {
			return nil, err
		}
		m := b.Receiver().(*Match)
		i, err := m.p.groupIndex(g)
		if err != nil {
			return nil, err
		}
		start, end := starlark.MakeInt(m.loc[2*i]), starlark.MakeInt(m.loc[2*i+1])
		switch part {
		case 0:
			return start, nil
		case 1:
			return end, nil
		}
		return starlark.Tuple{start, end}, nil
	}
}

// def expand(template)
func matchExpand(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var tmpl string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &tmpl); err != nil {
		return nil, err
	}
	m := b.Receiver().(*Match)
	t, err := parseTemplate(m.p, tmpl)
	if err != nil {
		return nil, err
	}
	return starlark.String(t.expand(m.s, m.loc)), nil
}
