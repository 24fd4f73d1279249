package builtins

// Which functions a module defines at its top level. A function crosses
// processes by name, and the receiver looks the name up in its own copy of
// the module, so the name is right only for a function defined at the top
// level (a def there, or a lambda there bound to a global): one made by a
// call, such as a closure, would be swapped for whatever the receiver's
// global of that name holds. CPython's pickle refuses such functions the
// same way, by checking that the qualified name leads back to the object.

import (
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// parseOptions parse every dialect mpstar executes; only the shape of the
// syntax tree is needed here.
var parseOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// definitions are a program's top-level def and lambda positions, worked
// out from its source the first time one of its functions is sent.
type definitions struct {
	once     sync.Once
	parse    func() (*syntax.File, error)
	topLevel map[[2]int32]bool // line and column of def and lambda tokens outside any function
}

var programDefinitions sync.Map // *starlark.Program -> *definitions

// NoteSource records the source prog was compiled from, so that the codec
// can tell which of its functions are defined at the top level. The
// embedding layer calls it for every program it executes.
func NoteSource(prog *starlark.Program, filename string, src []byte) {
	programDefinitions.Store(prog, &definitions{parse: func() (*syntax.File, error) {
		return parseOptions.Parse(filename, src, 0)
	}})
}

// NoteSyntax is NoteSource for a program compiled from a syntax tree.
func NoteSyntax(prog *starlark.Program, f *syntax.File) {
	programDefinitions.Store(prog, &definitions{parse: func() (*syntax.File, error) { return f, nil }})
}

// definedAtTopLevel reports whether fn is a def or lambda written at the
// top level of its module, outside any function; known is false when the
// module's source was not recorded.
func definedAtTopLevel(fn *starlark.Function) (top, known bool) {
	v, ok := programDefinitions.Load(fn.Module().Program())
	if !ok {
		return false, false
	}
	d := v.(*definitions)
	d.once.Do(d.index)
	if d.topLevel == nil {
		return false, false
	}
	pos := fn.Position()
	return d.topLevel[[2]int32{pos.Line, pos.Col}], true
}

// index finds the positions of the top-level defs and lambdas.
func (d *definitions) index() {
	f, err := d.parse()
	d.parse = nil
	if err != nil {
		return
	}
	d.topLevel = make(map[[2]int32]bool)
	syntax.Walk(f, func(n syntax.Node) bool {
		var pos syntax.Position
		switch n := n.(type) {
		case *syntax.DefStmt:
			pos = n.Def
		case *syntax.LambdaExpr:
			pos = n.Lambda
		default:
			return true
		}
		d.topLevel[[2]int32{pos.Line, pos.Col}] = true
		return false // what is inside is not at the top level
	})
}

// isTopLevelDef reports whether fn is the function a top-level def of its
// module named name defines, which a fork child defines again itself.
func isTopLevelDef(fn *starlark.Function, name string) bool {
	top, known := definedAtTopLevel(fn)
	return fn.Name() == name && (top || !known)
}
