package builtins

// The fork start method (docs/scripts.md). Go cannot fork, so a fork child is a new
// process of the same executable that executes only the main script's
// top-level defs and loads, and binds every other global to a copy of the
// value the parent's global had at start(): a snapshot sent with the
// target. Globals that cannot be copied cross as Unavailable markers and
// stay unbound in the child, where a use of one fails naming it.

import (
	"fmt"
	"sort"
	"sync"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// forkSnapshot encodes the main module's globals at this moment: each as
// a (name, value) pair of parts. Functions defined by def are left out,
// since the child defines them again. Without copy, every global is sent
// as Unavailable: a spawn child of a REPL session defines the session's
// functions but does not get its other globals, as CPython's spawn
// children of an interactive session get none of it. It also returns the
// names sent, in order.
func (rt *Runtime) forkSnapshot(enc *Encoder, copy bool) ([]byte, []string) {
	globals := rt.mainGlobals()
	missing := unavailableGlobals()
	names := make([]string, 0, len(globals)+len(missing))
	for name := range globals {
		names = append(names, name)
	}
	for name := range missing {
		if _, ok := globals[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []byte
	sent := names[:0]
	for _, name := range names {
		v, ok := globals[name]
		if !ok {
			v = missing[name]
		}
		if fn, ok := v.(*starlark.Function); ok && isTopLevelDef(fn, name) {
			continue
		}
		sent = append(sent, name)
		if !copy {
			v = &Unavailable{name: name, reason: "globals typed at the prompt are sent to fork children only; use set_start_method('fork')"}
		}
		entry, err := AppendEncoded(appendPart(nil, []byte(name)), enc, name, uncopyable(name, v))
		if err != nil {
			entry, _ = AppendEncoded(appendPart(nil, []byte(name)), enc, name, &Unavailable{name: name, reason: err.Error()})
		}
		out = append(out, entry...)
	}
	return out, sent
}

// uncopyable replaces values the codec would accept but a fork child could
// not rebuild: a lambda is sent by its global name, and the child has no
// such global, since only defs are executed there.
func uncopyable(name string, v starlark.Value) starlark.Value {
	if fn, ok := v.(*starlark.Function); ok && fn.Name() == "lambda" {
		return &Unavailable{name: name, reason: "it is a lambda, and a fork child recreates only functions defined with def"}
	}
	return v
}

// MainGlobals returns the main module's globals: those of the script, or
// of the REPL session after its last chunk.
func (rt *Runtime) MainGlobals() starlark.StringDict { return rt.mainGlobals() }

// mainGlobals returns the main module's globals (see globalsOf).
func (rt *Runtime) mainGlobals() starlark.StringDict {
	rt.mu.Lock()
	filename, thread := rt.cfg.Filename, rt.mainThread
	rt.mu.Unlock()
	globals, _ := rt.globalsOf(thread, filename)
	return globals
}

// defsOnlyKey marks, in Prep.Extra, a child that executes only the main
// module's defs and loads and receives its other globals: a fork child, or
// any child of a REPL session (whose "script" must not run again).
const defsOnlyKey = "defs-only"

// ForkGlobals returns the names of the globals a fork child receives from
// its parent, and whether this child executes only defs and loads (a fork
// child, or a child of a REPL session). The embedding layer binds them as
// predeclared names before executing the defs.
func (rt *Runtime) ForkGlobals() ([]string, bool) {
	if rt.boot == nil || rt.boot.Prep.Extra[defsOnlyKey] == nil {
		return nil, false
	}
	entries, err := rt.forkEntries()
	if err != nil {
		return nil, true
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = string(e[0])
	}
	return names, true
}

func (rt *Runtime) forkEntries() ([][2][]byte, error) {
	parts, err := SplitParts(rt.boot.Prep.Payload)
	if err != nil || len(parts) != 4 {
		return nil, fmt.Errorf("malformed process payload")
	}
	flat, err := SplitParts(parts[3])
	if err != nil || len(flat)%2 != 0 {
		return nil, fmt.Errorf("malformed globals snapshot")
	}
	entries := make([][2][]byte, len(flat)/2)
	for i := range entries {
		entries[i] = [2][]byte{flat[2*i], flat[2*i+1]}
	}
	return entries, nil
}

// RestoreForkGlobals decodes the parent's globals into into, once the defs
// have been executed (values may refer to those functions by name). A
// global the parent could not send is left unbound and remembered, so that
// its first use fails saying why (see unavailableError).
func (rt *Runtime) RestoreForkGlobals(thread *starlark.Thread, into starlark.StringDict) error {
	entries, err := rt.forkEntries()
	if err != nil {
		return err
	}
	dc := rt.DecodeContext(thread, rt.boot.FDs)
	for _, e := range entries {
		name := string(e[0])
		v, err := Decode(e[1], dc)
		if err != nil {
			return fmt.Errorf("cannot restore global %q from the parent: %w", name, err)
		}
		if u, ok := v.(*Unavailable); ok {
			unavailable.Store(name, u)
			delete(into, name)
			continue
		}
		into[name] = v
	}
	return nil
}

// unavailable holds, in a fork child, the globals the parent could not
// send, by name. A child process has one runtime, so one table serves.
var unavailable sync.Map // string -> *Unavailable

// unavailableGlobals returns the globals this process did not receive, as
// markers that pass the news on to its own fork children.
func unavailableGlobals() map[string]*Unavailable {
	out := map[string]*Unavailable{}
	unavailable.Range(func(k, v any) bool {
		out[k.(string)] = v.(*Unavailable)
		return true
	})
	return out
}

// Unavailable marks, in a fork snapshot, a global that could not be sent (a
// Pool, a Listener, a lambda). The child leaves the global unbound, so that
// every use of it fails: with the message of err, naming the global and
// saying why.
type Unavailable struct {
	value.Object
	name, reason string
}

var _ Shareable = (*Unavailable)(nil)

func (u *Unavailable) err() *exceptions.Error {
	return exceptions.RuntimeError.Errorf("global %q is not available in this fork child: it could not be copied from the parent (%s)", u.name, u.reason)
}

// String names the missing global.
func (u *Unavailable) String() string { return fmt.Sprintf("<unavailable global %q>", u.name) }

// Type implements starlark.Value.
func (u *Unavailable) Type() string { return "unavailable" }

// Hash implements starlark.Value.
func (u *Unavailable) Hash() (uint32, error) { return value.IdentityHash(u), nil }

// ShareKind implements Shareable: the marker itself crosses to the child.
func (u *Unavailable) ShareKind() string { return "unavailable" }

// Share encodes the name and the reason.
func (u *Unavailable) Share(*ShareContext) ([]byte, error) {
	return appendPart(appendPart(nil, []byte(u.name)), []byte(u.reason)), nil
}

func decodeUnavailable(_ *UnshareContext, p []byte) (starlark.Value, error) {
	parts, err := SplitParts(p)
	if err != nil || len(parts) != 2 {
		return nil, exceptions.OSError.New("bad unavailable-global handle")
	}
	return &Unavailable{name: string(parts[0]), reason: string(parts[1])}, nil
}
