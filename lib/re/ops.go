package re

// The operations a pattern supports, each reachable as a module function
// (re.search(pattern, string, flags=0)) and as a Pattern method
// (p.search(string, pos=0, endpos=None)).

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// op is one operation: its parameters as a Pattern method and as a module
// function, and what it does with them.
type op struct {
	method []string // parameter names after self, "?" marking optional ones
	module []string // the module function's, starting with "pattern"
	run    func(thread *starlark.Thread, p *Pattern, a args) (starlark.Value, error)
}

// args are the unpacked arguments of one call, by parameter name.
type args map[string]starlark.Value

var withPos = []string{"string", "pos?", "endpos?"}

var ops = map[string]op{
	"match":     {withPos, []string{"pattern", "string", "flags?"}, matcher(matchMode)},
	"fullmatch": {withPos, []string{"pattern", "string", "flags?"}, matcher(fullMode)},
	"search":    {withPos, []string{"pattern", "string", "flags?"}, matcher(searchMode)},
	"findall":   {withPos, []string{"pattern", "string", "flags?"}, findall},
	"finditer":  {withPos, []string{"pattern", "string", "flags?"}, finditer},
	"sub":       {[]string{"repl", "string", "count?"}, []string{"pattern", "repl", "string", "count?", "flags?"}, sub(false)},
	"subn":      {[]string{"repl", "string", "count?"}, []string{"pattern", "repl", "string", "count?", "flags?"}, sub(true)},
	"split":     {[]string{"string", "maxsplit?"}, []string{"pattern", "string", "maxsplit?", "flags?"}, split},
}

var patternMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	m := map[string]*starlark.Builtin{}
	for name, o := range ops {
		m[name] = starlark.NewBuiltin(name, o.methodFunc)
	}
	return m
})

// unpack unpacks a call's arguments by the parameter names given.
func unpack(b *starlark.Builtin, params []string, tuple starlark.Tuple, kwargs []starlark.Tuple) (args, error) {
	vals := make([]starlark.Value, len(params))
	pairs := make([]any, 0, 2*len(params))
	for i, p := range params {
		pairs = append(pairs, p, &vals[i])
	}
	if err := starlark.UnpackArgs(b.Name(), tuple, kwargs, pairs...); err != nil {
		return nil, err
	}
	a := args{}
	for i, p := range params {
		if vals[i] != nil {
			a[strings.TrimSuffix(p, "?")] = vals[i]
		}
	}
	return a, nil
}

func (o op) methodFunc(thread *starlark.Thread, b *starlark.Builtin, tuple starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := unpack(b, o.method, tuple, kwargs)
	if err != nil {
		return nil, err
	}
	return o.run(thread, b.Receiver().(*Pattern), a)
}

func (o op) moduleFunc(thread *starlark.Thread, b *starlark.Builtin, tuple starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := unpack(b, o.module, tuple, kwargs)
	if err != nil {
		return nil, err
	}
	flags, err := a.int("flags", 0)
	if err != nil {
		return nil, err
	}
	p, err := toPattern(a["pattern"], flags)
	if err != nil {
		return nil, err
	}
	return o.run(thread, p, a)
}

// int returns an int argument, or def if it was not given (or None).
func (a args) int(name string, def int) (int, error) {
	v, ok := a[name]
	if !ok || v == starlark.None {
		return def, nil
	}
	i, err := starlark.AsInt32(v)
	if _, isInt := v.(starlark.Int); err != nil && isInt {
		return 0, exceptions.OverflowError.New("Python int too large to convert to C ssize_t")
	} else if err != nil {
		return 0, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(v))
	}
	return i, nil
}

// text returns the string argument and the pos..endpos window, clamped to
// it as Python clamps them.
func (a args) text() (s string, pos, endpos int, err error) {
	sv, ok := a["string"].(starlark.String)
	if !ok {
		return "", 0, 0, exceptions.TypeError.Errorf("expected string or bytes-like object, got '%s'", pytypes.TypeName(a["string"]))
	}
	s = string(sv)
	if pos, err = a.int("pos", 0); err != nil {
		return
	}
	if endpos, err = a.int("endpos", len(s)); err != nil {
		return
	}
	endpos = min(max(endpos, 0), len(s))
	pos = min(max(pos, 0), len(s))
	return s, pos, endpos, nil
}

// matcher makes match, fullmatch and search.
func matcher(m mode) func(*starlark.Thread, *Pattern, args) (starlark.Value, error) {
	return func(_ *starlark.Thread, p *Pattern, a args) (starlark.Value, error) {
		s, pos, endpos, err := a.text()
		if err != nil {
			return nil, err
		}
		loc := p.find(s, pos, endpos, m)
		if loc == nil {
			return starlark.None, nil
		}
		return &Match{p: p, s: s, loc: loc, pos: pos, endpos: endpos}, nil
	}
}

// findall returns the matches as strings, or the group (or tuple of
// groups) of each when the pattern has groups.
func findall(_ *starlark.Thread, p *Pattern, a args) (starlark.Value, error) {
	s, pos, endpos, err := a.text()
	if err != nil {
		return nil, err
	}
	var out []starlark.Value
	n := p.re.NumSubexp()
	p.each(s, pos, endpos, 0, func(loc []int) bool {
		m := &Match{p: p, s: s, loc: loc}
		switch n {
		case 0:
			out = append(out, starlark.String(s[loc[0]:loc[1]]))
		case 1:
			out = append(out, m.groupOr(1, starlark.String("")))
		default:
			t := make(starlark.Tuple, n)
			for i := range t {
				t[i] = m.groupOr(i+1, starlark.String(""))
			}
			out = append(out, t)
		}
		return true
	})
	return starlark.NewList(out), nil
}

// finditer returns the Match of every match, as a list.
func finditer(_ *starlark.Thread, p *Pattern, a args) (starlark.Value, error) {
	s, pos, endpos, err := a.text()
	if err != nil {
		return nil, err
	}
	var out []starlark.Value
	p.each(s, pos, endpos, 0, func(loc []int) bool {
		out = append(out, &Match{p: p, s: s, loc: loc, pos: pos, endpos: endpos})
		return true
	})
	return starlark.NewList(out), nil
}

// sub makes sub and subn (withCount).
func sub(withCount bool) func(*starlark.Thread, *Pattern, args) (starlark.Value, error) {
	return func(thread *starlark.Thread, p *Pattern, a args) (starlark.Value, error) {
		s, _, _, err := a.text()
		if err != nil {
			return nil, err
		}
		count, err := a.int("count", 0)
		if err != nil {
			return nil, err
		}
		replace, err := replacer(thread, p, a["repl"])
		if err != nil {
			return nil, err
		}
		var out strings.Builder
		last, n := 0, 0
		p.each(s, 0, len(s), count, func(loc []int) bool {
			var r string
			if r, err = replace(s, loc); err != nil {
				return false
			}
			out.WriteString(s[last:loc[0]])
			out.WriteString(r)
			last, n = loc[1], n+1
			return true
		})
		if err != nil {
			return nil, err
		}
		out.WriteString(s[last:])
		if withCount {
			return starlark.Tuple{starlark.String(out.String()), starlark.MakeInt(n)}, nil
		}
		return starlark.String(out.String()), nil
	}
}

// replacer returns the function giving the replacement of one match: the
// expanded template, or what the repl function returns for the Match.
func replacer(thread *starlark.Thread, p *Pattern, repl starlark.Value) (func(s string, loc []int) (string, error), error) {
	switch repl := repl.(type) {
	case starlark.String:
		t, err := parseTemplate(p, string(repl))
		if err != nil {
			return nil, err
		}
		return func(s string, loc []int) (string, error) { return t.expand(s, loc), nil }, nil
	case starlark.Callable:
		return func(s string, loc []int) (string, error) {
			v, err := starlark.Call(thread, repl, starlark.Tuple{&Match{p: p, s: s, loc: loc, endpos: len(s)}}, nil)
			if err != nil {
				return "", err
			}
			r, ok := v.(starlark.String)
			if !ok {
				return "", exceptions.TypeError.Errorf("expected str instance, %s found", pytypes.TypeName(v))
			}
			return string(r), nil
		}, nil
	}
	return nil, exceptions.TypeError.Errorf("repl must be a string or a function, not %s", pytypes.TypeName(repl))
}

// split splits the string at the matches, with the groups between pieces.
func split(_ *starlark.Thread, p *Pattern, a args) (starlark.Value, error) {
	s, _, _, err := a.text()
	if err != nil {
		return nil, err
	}
	maxsplit, err := a.int("maxsplit", 0)
	if err != nil {
		return nil, err
	}
	if maxsplit < 0 {
		return starlark.NewList([]starlark.Value{starlark.String(s)}), nil
	}
	var out []starlark.Value
	last := 0
	p.each(s, 0, len(s), maxsplit, func(loc []int) bool {
		out = append(out, starlark.String(s[last:loc[0]]))
		m := &Match{p: p, s: s, loc: loc}
		for i := 1; i <= p.re.NumSubexp(); i++ {
			out = append(out, m.group(i))
		}
		last = loc[1]
		return true
	})
	out = append(out, starlark.String(s[last:]))
	return starlark.NewList(out), nil
}
