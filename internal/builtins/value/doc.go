// Package value holds what mpstar's Starlark values and builtins share,
// whichever package defines them: the embedded Object of runtime objects,
// method tables, identity hashes, and the argument helpers of builtins.
//
// A runtime object (a lock, a process, a proxy) embeds Object, keeps its
// methods in a table made on first use and bound with Attr, and hashes by
// identity:
//
//	type Lock struct {
//		value.Object
//		...
//	}
//
//	var lockMethods = value.NewMethods(func() map[string]*starlark.Builtin {
//		return map[string]*starlark.Builtin{
//			"acquire": starlark.NewBuiltin("acquire", lockAcquire),
//		}
//	})
//
//	func (l *Lock) Attr(name string) (starlark.Value, error) { return value.Attr(lockMethods, l, name) }
//	func (l *Lock) AttrNames() []string                      { return value.AttrNames(lockMethods) }
//	func (l *Lock) Hash() (uint32, error)                    { return value.IdentityHash(l), nil }
//
// Built-in modules are made on first use too (NewModule): a spawned child
// runs every package's initialisation, and should not pay there for tables
// its script never reaches.
//
// It imports only go.starlark.net and internal/builtins/exceptions, so the
// Python value types, the core, the managers, the pool bindings and the
// lib/* modules can all use it.
package value
